//! The neural-network teacher (`--teacher mlp`): a multilayer perceptron
//! trained with candle on the CPU.
//!
//! Inputs: numbers standardised on the training rows (clamped to the range
//! seen there, so ±infinity is the largest or smallest value), booleans as
//! 0/1, categories one-hot; a missing value sets an indicator input of its
//! own. Two hidden layers of ReLU units, softmax output, cross-entropy loss,
//! AdamW on shuffled mini-batches, early stopping on a tenth of the training
//! rows (the weights of the best epoch are kept). Training rows are labelled
//! by 2-fold cross-fitting (each half by a network trained on the other), so
//! the labels the rules learn from are the network's judgement rather than
//! its memory of those rows; other rows by a network trained on all of them.
//!
//! Weights are initialised from the run's seed (not candle's own random
//! generator), so the same inputs give the same network.

use candle_core::{DType, Device, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rulec_datasets::Rng;

use crate::error::Error;
use crate::table::{ColumnData, Table};
use crate::teach::{
    time_per_row, FittedTeacher, LabelData, Origin, Teacher, TeacherLabels, Tick, TrainingData,
};

/// Network and training parameters.
#[derive(Clone, Debug)]
pub struct MlpParams {
    /// Units in each hidden layer.
    pub hidden: usize,
    /// Rows per mini-batch.
    pub batch: usize,
    /// AdamW learning rate.
    pub learning_rate: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Optimiser steps aimed for (epochs = steps / batches per epoch,
    /// within `min_epochs..=max_epochs`).
    pub steps: usize,
    /// Fewest epochs.
    pub min_epochs: usize,
    /// Most epochs.
    pub max_epochs: usize,
    /// Epochs without improvement of the held-out loss before stopping.
    pub patience: usize,
    /// Seed.
    pub seed: u64,
}

impl Default for MlpParams {
    fn default() -> Self {
        MlpParams {
            hidden: 64,
            batch: 128,
            learning_rate: 3e-3,
            weight_decay: 1e-4,
            steps: 6000,
            min_epochs: 10,
            max_epochs: 400,
            patience: 20,
            seed: 0,
        }
    }
}

/// The MLP teacher.
#[derive(Clone, Debug)]
pub struct Mlp {
    /// Parameters.
    pub params: MlpParams,
}

impl Teacher for Mlp {
    fn describe(&self) -> String {
        let p = &self.params;
        format!(
            "multilayer perceptron (candle, CPU; 2 hidden layers of {} ReLU units, AdamW lr {} weight decay {}, batches of {}, early stopping on 10 % of training rows; standardised numbers, one-hot categories, missing-value indicators; training rows labelled by 2-fold cross-fitting)",
            p.hidden, p.learning_rate, p.weight_decay, p.batch
        )
    }

    fn fit(&self, data: &TrainingData<'_>) -> Result<Box<dyn FittedTeacher>, Error> {
        let table = data.table;
        let n = table.n_rows();
        let k = table.n_classes();
        let train = &data.splits.train;
        let encoder = Encoder::new(table, train);
        let x = encoder.encode_all(table)?;
        let seed = self.params.seed;
        let mut shuffled = train.clone();
        Rng::derive(seed, 0x4d4c_5058).shuffle(&mut shuffled);
        let (a, b) = shuffled.split_at(shuffled.len() / 2);
        let (mut a, mut b) = (a.to_vec(), b.to_vec());
        a.sort_unstable();
        b.sort_unstable();
        let fit = |rows: &[usize], seed: u64, tick: Option<Tick<'_>>| {
            self.train(&x, encoder.width, table.labels(), rows, k, seed, tick)
        };
        let (full, (on_a, on_b)) = rayon::join(
            || fit(train, seed, Some(data.tick)),
            || rayon::join(|| fit(&a, seed ^ 1, None), || fit(&b, seed ^ 2, None)),
        );
        let (full, on_a, on_b) = (full?, on_a?, on_b?);
        // The network of each row of the fitted table: 0 the full one, 1 the
        // one trained on half a (for rows of b), 2 on half b (rows of a).
        let mut which = vec![0u8; n];
        for &r in &a {
            which[r] = 2;
        }
        for &r in &b {
            which[r] = 1;
        }
        Ok(Box::new(FittedMlp {
            encoder,
            nets: [full, on_a, on_b],
            which,
            k,
        }))
    }
}

/// A trained network teacher: the encoder of the training rows, the
/// network trained on all of them and the two cross-fitted ones.
struct FittedMlp {
    encoder: Encoder,
    /// The full network, then those trained on halves a and b.
    nets: [Net; 3],
    /// The network of each row of the fitted table (an index into `nets`).
    which: Vec<u8>,
    k: usize,
}

impl FittedTeacher for FittedMlp {
    fn label(&self, data: &LabelData<'_>) -> Result<TeacherLabels, Error> {
        crate::teach::check_label_data(data, self.which.len())?;
        let table = data.table;
        let n = table.n_rows();
        let k = self.k;
        let encoder = &self.encoder;
        let x = encoder.encode_all(table)?;
        let which = |r: usize| match data.origin {
            Origin::Fitted => self.which[r] as usize,
            Origin::New => 0,
        };
        let mut probs = vec![0f32; n * k];
        for (m, net) in self.nets.iter().enumerate() {
            let rows: Vec<usize> = (0..n).filter(|&r| which(r) == m).collect();
            for chunk in rows.chunks(4096) {
                let p = net.probs(
                    &gather(&x, encoder.width, chunk),
                    chunk.len(),
                    encoder.width,
                )?;
                for (i, &r) in chunk.iter().enumerate() {
                    probs[r * k..(r + 1) * k].copy_from_slice(&p[i * k..(i + 1) * k]);
                }
            }
        }
        let mut labels = Vec::with_capacity(n);
        let mut confidence = Vec::with_capacity(n);
        for row in 0..n {
            let p = &probs[row * k..(row + 1) * k];
            let (best, top) =
                p.iter().enumerate().fold(
                    (0, f32::MIN),
                    |acc, (i, &v)| {
                        if v > acc.1 {
                            (i, v)
                        } else {
                            acc
                        }
                    },
                );
            labels.push(best as u32);
            confidence.push(top);
        }
        // What one decision costs a caller that runs the network on one row.
        let full = &self.nets[0];
        let ns_per_row = time_per_row(n.min(500), |row| {
            let _ = std::hint::black_box(full.probs(
                &gather(&x, encoder.width, &[row]),
                1,
                encoder.width,
            ));
        });
        Ok(TeacherLabels {
            labels,
            confidence,
            probs,
            trees: Vec::new(),
            comparisons: Vec::new(),
            ns_per_row,
        })
    }
}

/// Maps a table row to the network's inputs.
struct Encoder {
    inputs: Vec<Input>,
    width: usize,
}

enum Input {
    Numeric {
        lo: f64,
        hi: f64,
        mean: f64,
        sd: f64,
        missing: bool,
    },
    Boolean {
        missing: bool,
    },
    Categorical {
        levels: usize,
    },
}

impl Encoder {
    fn new(table: &Table, train: &[usize]) -> Encoder {
        let mut width = 0;
        let inputs = table
            .columns()
            .iter()
            .map(|col| {
                let input = match &col.data {
                    ColumnData::Numeric(v) => {
                        let finite: Vec<f64> = train
                            .iter()
                            .map(|&r| v[r])
                            .filter(|x| x.is_finite())
                            .collect();
                        let n = finite.len().max(1) as f64;
                        let mean = finite.iter().sum::<f64>() / n;
                        let var = finite.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
                        let (lo, hi) = finite
                            .iter()
                            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                                (a.min(x), b.max(x))
                            });
                        Input::Numeric {
                            lo: if lo.is_finite() { lo } else { 0.0 },
                            hi: if hi.is_finite() { hi } else { 0.0 },
                            mean,
                            sd: var.sqrt(),
                            missing: v.iter().any(|x| x.is_nan()),
                        }
                    }
                    ColumnData::Boolean(v) => Input::Boolean {
                        missing: v.iter().any(Option::is_none),
                    },
                    ColumnData::Categorical { levels, .. } => Input::Categorical {
                        levels: levels.len(),
                    },
                };
                width += match &input {
                    Input::Numeric { missing, .. } | Input::Boolean { missing } => {
                        1 + usize::from(*missing)
                    }
                    // One more input: missing, or a level grouped away.
                    Input::Categorical { levels } => levels + 1,
                };
                input
            })
            .collect();
        Encoder { inputs, width }
    }

    /// All rows of `table` (the training table, or another with the same
    /// columns), row-major. A missing value where the training table had
    /// none (so no indicator input) counts as the training mean, or false;
    /// a category code past the training levels as a level grouped away.
    fn encode_all(&self, table: &Table) -> Result<Vec<f32>, Error> {
        if table.columns().len() != self.inputs.len() {
            return Err(Error::Params(format!(
                "teacher mlp: a table of {} columns to label, trained on {}",
                table.columns().len(),
                self.inputs.len()
            )));
        }
        let n = table.n_rows();
        let mut x = vec![0f32; n * self.width];
        let mut offset = 0;
        for (input, col) in self.inputs.iter().zip(table.columns()) {
            match (input, &col.data) {
                (
                    Input::Numeric {
                        lo,
                        hi,
                        mean,
                        sd,
                        missing,
                    },
                    ColumnData::Numeric(v),
                ) => {
                    for (r, &value) in v.iter().enumerate() {
                        let cell = &mut x[r * self.width + offset..];
                        if value.is_nan() {
                            if *missing {
                                cell[1] = 1.0;
                            }
                        } else if *sd > 0.0 {
                            cell[0] = ((value.clamp(*lo, *hi) - mean) / sd) as f32;
                        }
                    }
                    offset += 1 + usize::from(*missing);
                }
                (Input::Boolean { missing }, ColumnData::Boolean(v)) => {
                    for (r, value) in v.iter().enumerate() {
                        let cell = &mut x[r * self.width + offset..];
                        match value {
                            Some(true) => cell[0] = 1.0,
                            Some(false) => {}
                            None if *missing => cell[1] = 1.0,
                            None => {}
                        }
                    }
                    offset += 1 + usize::from(*missing);
                }
                (Input::Categorical { levels }, ColumnData::Categorical { codes, .. }) => {
                    for (r, &code) in codes.iter().enumerate() {
                        let cell = &mut x[r * self.width + offset..];
                        match code {
                            c if (c as usize) < *levels => cell[c as usize] = 1.0,
                            // Missing, grouped away (`MISSING_CODE`, `OTHER_CODE`)
                            // or unknown to the training table.
                            _ => cell[*levels] = 1.0,
                        }
                    }
                    offset += levels + 1;
                }
                _ => {
                    return Err(Error::Params(format!(
                        "teacher mlp: column `{}` to label is not of the type it was trained on",
                        col.name
                    )))
                }
            }
        }
        Ok(x)
    }
}

fn gather(x: &[f32], width: usize, rows: &[usize]) -> Vec<f32> {
    let mut out = Vec::with_capacity(rows.len() * width);
    for &r in rows {
        out.extend_from_slice(&x[r * width..(r + 1) * width]);
    }
    out
}

/// A trained network.
struct Net {
    layers: Vec<(Var, Var)>,
}

impl Net {
    /// Glorot-uniform weights and zero biases from `seed`.
    fn new(sizes: &[usize], seed: u64) -> candle_core::Result<Net> {
        let mut rng = Rng::derive(seed, 0x4e45_5457);
        let mut layers = Vec::new();
        for w in sizes.windows(2) {
            let (fan_in, fan_out) = (w[0], w[1]);
            let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
            let weights: Vec<f32> = (0..fan_in * fan_out)
                .map(|_| ((rng.f64() * 2.0 - 1.0) * limit) as f32)
                .collect();
            let weight = Var::from_vec(weights, (fan_in, fan_out), &Device::Cpu)?;
            let bias = Var::zeros(fan_out, DType::F32, &Device::Cpu)?;
            layers.push((weight, bias));
        }
        Ok(Net { layers })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let mut h = x.clone();
        for (i, (w, b)) in self.layers.iter().enumerate() {
            h = h.matmul(w.as_tensor())?.broadcast_add(b.as_tensor())?;
            if i + 1 < self.layers.len() {
                h = h.relu()?;
            }
        }
        Ok(h)
    }

    fn vars(&self) -> Vec<Var> {
        self.layers
            .iter()
            .flat_map(|(w, b)| [w.clone(), b.clone()])
            .collect()
    }

    fn snapshot(&self) -> candle_core::Result<Vec<Tensor>> {
        self.vars().iter().map(|v| v.as_tensor().copy()).collect()
    }

    fn restore(&self, saved: &[Tensor]) -> candle_core::Result<()> {
        for (v, t) in self.vars().iter().zip(saved) {
            v.set(t)?;
        }
        Ok(())
    }

    /// Class probabilities of `rows` encoded rows, row-major.
    fn probs(&self, x: &[f32], rows: usize, width: usize) -> Result<Vec<f32>, Error> {
        let run = || -> candle_core::Result<Vec<f32>> {
            let xs = Tensor::from_slice(x, (rows, width), &Device::Cpu)?;
            let p = candle_nn::ops::softmax(&self.forward(&xs)?, D::Minus1)?;
            p.flatten_all()?.to_vec1::<f32>()
        };
        run().map_err(candle_error)
    }
}

fn candle_error(e: candle_core::Error) -> Error {
    Error::Params(format!("teacher mlp: {e}"))
}

impl Mlp {
    /// Trains one network on `rows`.
    #[allow(clippy::too_many_arguments)]
    fn train(
        &self,
        x: &[f32],
        width: usize,
        labels: &[u32],
        rows: &[usize],
        k: usize,
        seed: u64,
        tick: Option<Tick<'_>>,
    ) -> Result<Net, Error> {
        self.train_inner(x, width, labels, rows, k, seed, tick)
            .map_err(candle_error)
    }

    #[allow(clippy::too_many_arguments)]
    fn train_inner(
        &self,
        x: &[f32],
        width: usize,
        labels: &[u32],
        rows: &[usize],
        k: usize,
        seed: u64,
        tick: Option<Tick<'_>>,
    ) -> candle_core::Result<Net> {
        let p = &self.params;
        let net = Net::new(&[width, p.hidden, p.hidden, k.max(2)], seed)?;
        let mut rng = Rng::derive(seed, 0x5452_4149);
        let mut rows = rows.to_vec();
        rng.shuffle(&mut rows);
        // A tenth of the rows decide when to stop, when there are enough.
        let n_stop = if rows.len() >= 100 {
            rows.len() / 10
        } else {
            0
        };
        let (stop, mut fit) = (rows[..n_stop].to_vec(), rows[n_stop..].to_vec());
        if fit.is_empty() {
            return Ok(net);
        }
        let mut opt = AdamW::new(
            net.vars(),
            ParamsAdamW {
                lr: p.learning_rate,
                weight_decay: p.weight_decay,
                ..Default::default()
            },
        )?;
        let batches = fit.len().div_ceil(p.batch);
        let epochs = (p.steps / batches).clamp(p.min_epochs, p.max_epochs);
        let stop_x = Tensor::from_vec(gather(x, width, &stop), (stop.len(), width), &Device::Cpu)?;
        let stop_y = Tensor::from_vec(
            stop.iter().map(|&r| labels[r]).collect::<Vec<u32>>(),
            stop.len(),
            &Device::Cpu,
        )?;
        let (mut best, mut best_loss, mut since) = (None, f32::INFINITY, 0usize);
        for epoch in 0..epochs {
            rng.shuffle(&mut fit);
            for chunk in fit.chunks(p.batch) {
                let xs =
                    Tensor::from_vec(gather(x, width, chunk), (chunk.len(), width), &Device::Cpu)?;
                let ys = Tensor::from_vec(
                    chunk.iter().map(|&r| labels[r]).collect::<Vec<u32>>(),
                    chunk.len(),
                    &Device::Cpu,
                )?;
                let loss = candle_nn::loss::cross_entropy(&net.forward(&xs)?, &ys)?;
                opt.backward_step(&loss)?;
            }
            if let Some(tick) = tick {
                tick("teach: network epochs", epoch as u64 + 1, epochs as u64);
            }
            if stop.is_empty() {
                continue;
            }
            let loss = candle_nn::loss::cross_entropy(&net.forward(&stop_x)?, &stop_y)?
                .to_scalar::<f32>()?;
            if loss < best_loss - 1e-5 {
                best_loss = loss;
                best = Some(net.snapshot()?);
                since = 0;
            } else {
                since += 1;
                if since >= p.patience {
                    break;
                }
            }
        }
        if let Some(saved) = best {
            net.restore(&saved)?;
        }
        Ok(net)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::Splits;
    use crate::table::{Column, TargetData};
    use crate::tree::Binned;

    /// Two classes split by a diagonal line and a category.
    fn table(n: usize) -> Table {
        let mut rng = Rng::new(11);
        let x: Vec<f64> = (0..n).map(|_| rng.f64() * 10.0).collect();
        let z: Vec<f64> = (0..n)
            .map(|i| {
                if i % 13 == 0 {
                    f64::NAN
                } else {
                    rng.f64() * 10.0
                }
            })
            .collect();
        let c: Vec<u32> = (0..n).map(|_| rng.below(3) as u32).collect();
        let labels = (0..n)
            .map(|i| u32::from(x[i] + if z[i].is_nan() { 5.0 } else { z[i] } > 10.0 || c[i] == 2))
            .collect();
        Table::new(
            vec![
                Column::numeric("x", x),
                Column::numeric("z", z),
                Column {
                    name: "c".into(),
                    data: ColumnData::Categorical {
                        codes: c,
                        levels: vec!["p".into(), "q".into(), "r".into()],
                    },
                },
            ],
            "y".into(),
            TargetData::Classes {
                names: vec!["no".into(), "yes".into()],
                labels,
                logged: None,
            },
        )
    }

    #[test]
    fn learns_a_smooth_boundary_and_is_deterministic() {
        let t = table(3000);
        let splits = Splits {
            train: (0..2000).collect(),
            validation: (2000..2500).collect(),
            test: (2500..3000).collect(),
            method: String::new(),
        };
        let binned = Binned::new(&t, &splits.train);
        let data = TrainingData {
            table: &t,
            binned: &binned,
            splits: &splits,
            tick: &crate::teach::no_tick,
        };
        let mlp = Mlp {
            params: MlpParams::default(),
        };
        let fitted = mlp.fit(&data).unwrap();
        let label = |origin| {
            fitted
                .label(&LabelData {
                    table: &t,
                    binned: &binned,
                    origin,
                    tick: &crate::teach::no_tick,
                })
                .unwrap()
        };
        let out = label(Origin::Fitted);
        let right = (2500..3000)
            .filter(|&r| out.labels[r] == t.labels()[r])
            .count();
        assert!(right >= 470, "test accuracy {right}/500");
        let right_train = (0..2000)
            .filter(|&r| out.labels[r] == t.labels()[r])
            .count();
        assert!(
            right_train >= 1850,
            "cross-fitted train accuracy {right_train}/2000"
        );
        let sum: f32 = out.probs[..2].iter().sum();
        assert!((sum - 1.0).abs() < 1e-4);
        assert!(out.ns_per_row.is_some());
        let again = mlp
            .fit(&data)
            .unwrap()
            .label(&LabelData {
                table: &t,
                binned: &binned,
                origin: Origin::Fitted,
                tick: &crate::teach::no_tick,
            })
            .unwrap();
        assert_eq!(again.probs, out.probs, "same seed, same network");
        // As a table new to it, every row is labelled by the full network:
        // held-out rows as before, training rows no longer cross-fitted.
        let new = label(Origin::New);
        assert_eq!(new.probs[2000 * 2..], out.probs[2000 * 2..]);
        assert_ne!(new.probs[..2000 * 2], out.probs[..2000 * 2]);
    }

    /// A table with missing values and a category the training table
    /// never had is labelled (missing as the mean, the category as one
    /// grouped away), not mistaken for the next input.
    #[test]
    fn labels_a_table_with_values_the_training_rows_never_had() {
        let t = table(600);
        let ColumnData::Numeric(x) = &t.columns()[0].data else {
            unreachable!()
        };
        // x never missing in training: no indicator input for it.
        assert!(x.iter().all(|v| !v.is_nan()));
        let splits = Splits {
            train: (0..500).collect(),
            validation: (500..600).collect(),
            test: Vec::new(),
            method: String::new(),
        };
        let binned = Binned::new(&t, &splits.train);
        let mlp = Mlp {
            params: MlpParams {
                steps: 200,
                ..MlpParams::default()
            },
        };
        let fitted = mlp
            .fit(&TrainingData {
                table: &t,
                binned: &binned,
                splits: &splits,
                tick: &crate::teach::no_tick,
            })
            .unwrap();
        let mut columns = t.columns().to_vec();
        if let ColumnData::Numeric(x) = &mut columns[0].data {
            x[0] = f64::NAN;
        }
        if let ColumnData::Categorical { codes, .. } = &mut columns[2].data {
            codes[1] = 7;
        }
        let other = t.with_columns(columns);
        // The same rows with the training mean and a level grouped away.
        let mut columns = t.columns().to_vec();
        if let ColumnData::Numeric(x) = &mut columns[0].data {
            x[0] = x[..500].iter().sum::<f64>() / 500.0;
        }
        if let ColumnData::Categorical { codes, .. } = &mut columns[2].data {
            codes[1] = crate::table::OTHER_CODE;
        }
        let expected = t.with_columns(columns);
        let label = |table: &Table| {
            fitted
                .label(&LabelData {
                    table,
                    binned: &binned,
                    origin: Origin::New,
                    tick: &crate::teach::no_tick,
                })
                .unwrap()
        };
        let (out, want) = (label(&other), label(&expected));
        assert_eq!(out.labels.len(), 600);
        assert_eq!(out.probs, want.probs);
        // A table of other columns is refused.
        let fewer = t.with_columns(t.columns()[..t.columns().len() - 1].to_vec());
        assert!(fitted
            .label(&LabelData {
                table: &fewer,
                binned: &binned,
                origin: Origin::New,
                tick: &crate::teach::no_tick,
            })
            .is_err());
    }
}
