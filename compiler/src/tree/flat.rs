//! [`FlatTree`]: a fitted [`Tree`] laid out for labelling many rows fast.

use super::{Binned, Node, Test, Tree, MISSING_BIN};

/// A [`Tree`] laid out for walking many rows: 16 bytes a node in preorder
/// (a split's left child is the next node), categorical sets as 256-bit
/// masks and every leaf's class shares precomputed. The nodes of the enum
/// tree are several times larger and scattered, which made labelling a
/// million rows wait on memory rather than compute.
#[derive(Clone, Debug)]
pub struct FlatTree {
    nodes: Vec<FlatNode>,
    /// Bin sets of categorical splits.
    sets: Vec<[u64; 4]>,
    /// Class shares per leaf, `n_classes` each (`count / leaf total`, or
    /// zeros for an empty leaf).
    shares: Vec<f32>,
    n_classes: usize,
}

#[derive(Clone, Copy, Debug)]
struct FlatNode {
    /// Feature column (splits) or leaf number (leaves).
    feature: u32,
    /// Index of the right child (splits).
    right: u32,
    /// The index of a categorical set (`InBins`).
    arg: u32,
    /// Present bins `<= le` go left (`LeBin`).
    le: u8,
    kind: FlatKind,
    missing_left: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum FlatKind {
    Leaf,
    LeBin,
    InBins,
    IsMissing,
}

impl FlatTree {
    /// Lays out `tree`.
    pub fn new(tree: &Tree) -> FlatTree {
        let mut flat = FlatTree {
            nodes: Vec::with_capacity(tree.nodes.len()),
            sets: Vec::new(),
            shares: Vec::new(),
            n_classes: tree.n_classes,
        };
        // Preorder with an explicit stack: (source node, flat parent whose
        // `right` is to be patched to this node).
        let mut stack = vec![(0usize, None::<usize>)];
        while let Some((i, patch)) = stack.pop() {
            let at = flat.nodes.len();
            if let Some(p) = patch {
                flat.nodes[p].right = at as u32;
            }
            match &tree.nodes[i] {
                Node::Leaf { counts } => {
                    let leaf = flat.shares.len() / tree.n_classes.max(1);
                    let total: f64 = counts.iter().sum();
                    for c in 0..tree.n_classes {
                        let share = match counts.get(c) {
                            Some(&x) if total > 0.0 => (x / total) as f32,
                            _ => 0.0,
                        };
                        flat.shares.push(share);
                    }
                    flat.nodes.push(FlatNode {
                        feature: leaf as u32,
                        right: 0,
                        arg: 0,
                        le: 0,
                        kind: FlatKind::Leaf,
                        missing_left: false,
                    });
                }
                Node::Split {
                    feature,
                    test,
                    missing_left,
                    left,
                    right,
                } => {
                    let (kind, arg, le) = match test {
                        Test::LeBin(t) => (FlatKind::LeBin, 0, *t),
                        Test::IsMissing => (FlatKind::IsMissing, 0, 0),
                        Test::InBins(set) => {
                            let mut mask = [0u64; 4];
                            for &b in set {
                                mask[usize::from(b) / 64] |= 1 << (b % 64);
                            }
                            flat.sets.push(mask);
                            (FlatKind::InBins, (flat.sets.len() - 1) as u32, 0)
                        }
                    };
                    flat.nodes.push(FlatNode {
                        feature: *feature as u32,
                        right: 0,
                        arg,
                        le,
                        kind,
                        missing_left: *missing_left,
                    });
                    stack.push((*right, Some(at)));
                    stack.push((*left, None));
                }
            }
        }
        flat
    }

    /// Whether a row with bin `bin` goes left at split `n` (branches
    /// measured faster than a branch-free form when labelling).
    #[inline(always)]
    fn goes_left(&self, n: &FlatNode, bin: u8) -> bool {
        match n.kind {
            FlatKind::IsMissing => bin == MISSING_BIN,
            _ if bin == MISSING_BIN => n.missing_left,
            FlatKind::LeBin => bin <= n.le,
            _ => self.sets[n.arg as usize][usize::from(bin) / 64] >> (bin % 64) & 1 == 1,
        }
    }

    /// The leaf row `row` of `binned` reaches (its number, for
    /// [`FlatTree::shares`]) and the number of splits on the way.
    #[inline]
    pub fn leaf_and_depth(&self, binned: &Binned, row: usize) -> (usize, u32) {
        let mut i = 0;
        let mut depth = 0;
        loop {
            let n = &self.nodes[i];
            if n.kind == FlatKind::Leaf {
                return (n.feature as usize, depth);
            }
            let bin = binned.columns[n.feature as usize].bins[row];
            let left = self.goes_left(n, bin);
            i = if left { i + 1 } else { n.right as usize };
            depth += 1;
        }
    }

    /// Class shares of leaf number `leaf` (zeros for a leaf no row reached).
    #[inline]
    pub fn shares(&self, leaf: usize) -> &[f32] {
        &self.shares[leaf * self.n_classes..(leaf + 1) * self.n_classes]
    }
}
