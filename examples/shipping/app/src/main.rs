//! A service's view of the generated crate: decide each delivery by the
//! rules, and ask the model only for what they do not cover.

use cheapest_shipper_rules::{decide, decide_or_else, CheapestShipper, DayOfWeek, Input, Zone, RULES};

/// Stands for the big model (a network call, a GPU, a Python service).
fn the_big_model(input: &Input) -> CheapestShipper {
    if input.weight_lb > 40.0 {
        CheapestShipper::C
    } else {
        CheapestShipper::A
    }
}

fn main() {
    let deliveries = [
        (12.0, 3.5, "north", false, false, "tue"),
        (320.0, 2.0, "east", true, false, "mon"),
        (45.5, 4.9, "islands", false, true, "sat"),
        (800.0, 120.0, "west", false, false, "thu"),
        (30.0, 2.0, "atlantis", false, false, "sun"),
        // The distance was not measured: no rule on distance can answer.
        (f64::NAN, 60.0, "west", false, true, "fri"),
    ];
    println!("{} rules; the model answers what they do not cover.", RULES.len());
    let (mut by_rules, mut by_model) = (0, 0);
    for (distance_mi, weight_lb, zone, express, fragile, day) in deliveries {
        let input = Input {
            distance_mi,
            weight_lb,
            zone: Zone::from_str_value(zone),
            express,
            fragile,
            day_of_week: DayOfWeek::from_str_value(day),
        };
        let how = match decide(&input) {
            Some(hit) => {
                by_rules += 1;
                format!("rule {}", hit.rule.name())
            }
            None => {
                by_model += 1;
                "the model".to_string()
            }
        };
        let shipper = decide_or_else(&input, the_big_model);
        println!(
            "{distance_mi:>6} mi {weight_lb:>6} lb {zone:<9} -> {} (by {how})",
            shipper.as_str()
        );
    }
    println!("decided by rules: {by_rules}, by the model: {by_model}");
}
