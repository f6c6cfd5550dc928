//! Pair sets, exactly as the course's `generate_pair_sets`: 28×28 → 14×14 by 2×2
//! average pooling; draw 2N images without replacement from a source, pair them
//! in order; target = 1 if class(first) ≤ class(second).

use super::{DataError, DigitSet, PIXELS14};
use crate::model::Normalization;
use crate::preprocess::pool_2x2_u8;
use crate::rng::{Rng, Stream};

/// N pairs of 14×14 images in [0, 1] intensity units, with targets and classes.
#[derive(Debug, Clone, PartialEq)]
pub struct PairSet {
    /// `len() * 2 * 196` values: pair after pair, first image then second.
    inputs: Vec<f32>,
    /// 1 if class(first) ≤ class(second), else 0.
    targets: Vec<u8>,
    /// The two digit classes of each pair.
    classes: Vec<[u8; 2]>,
}

impl PairSet {
    /// Draws `n` pairs (2n distinct images) from `source`.
    pub fn generate(source: &DigitSet, n: usize, rng: &mut Rng) -> Result<Self, DataError> {
        if n == 0 {
            return Err(DataError::Other(
                "the number of pairs must be at least 1".into(),
            ));
        }
        if 2 * n > source.len() {
            return Err(DataError::Other(format!(
                "{n} pairs need {} distinct images, but the source has only {}",
                2 * n,
                source.len()
            )));
        }
        let order = rng.permutation(source.len());
        let mut inputs = Vec::with_capacity(n * 2 * PIXELS14);
        let mut targets = Vec::with_capacity(n);
        let mut classes = Vec::with_capacity(n);
        for pair in order[..2 * n].chunks_exact(2) {
            let (first, second) = (pair[0], pair[1]);
            inputs.extend_from_slice(&pool_2x2_u8(source.image(first)));
            inputs.extend_from_slice(&pool_2x2_u8(source.image(second)));
            let c = [source.label(first), source.label(second)];
            targets.push(u8::from(c[0] <= c[1]));
            classes.push(c);
        }
        Ok(Self {
            inputs,
            targets,
            classes,
        })
    }

    /// A pair set from its parts (e.g. fixtures); sizes must agree.
    pub fn from_parts(inputs: Vec<f32>, classes: Vec<[u8; 2]>) -> Result<Self, DataError> {
        if inputs.len() != classes.len() * 2 * PIXELS14 {
            return Err(DataError::Other(format!(
                "{} pairs need {} input values, got {}",
                classes.len(),
                classes.len() * 2 * PIXELS14,
                inputs.len()
            )));
        }
        let targets = classes.iter().map(|c| u8::from(c[0] <= c[1])).collect();
        Ok(Self {
            inputs,
            targets,
            classes,
        })
    }

    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    pub fn inputs(&self) -> &[f32] {
        &self.inputs
    }

    pub fn targets(&self) -> &[u8] {
        &self.targets
    }

    pub fn classes(&self) -> &[[u8; 2]] {
        &self.classes
    }

    /// Scalar mean and (unbiased) standard deviation over every pixel of every
    /// image, as `train_input.mean()`, `train_input.std()` in PyTorch.
    pub fn normalization(&self) -> Normalization {
        let n = self.inputs.len() as f64;
        let mean = self.inputs.iter().map(|&v| v as f64).sum::<f64>() / n;
        let ss = self
            .inputs
            .iter()
            .map(|&v| (v as f64 - mean).powi(2))
            .sum::<f64>();
        let std = (ss / (n - 1.0).max(1.0)).sqrt();
        Normalization {
            mean: mean as f32,
            std: if std > 0.0 { std as f32 } else { 1.0 },
        }
    }
}

/// Where training and test pairs come from: two disjoint sets of images.
#[derive(Debug, Clone)]
pub struct Sources {
    pub train: DigitSet,
    pub test: DigitSet,
}

/// The seed of the split of the embedded digits into train and test halves.
pub const DEFAULT_SPLIT_SEED: u64 = 0;

impl Sources {
    /// A seeded split of one set into two disjoint halves (the embedded data has
    /// no separate test set): first half trains, second half tests.
    pub fn split_halves(all: &DigitSet, split_seed: u64) -> Self {
        let order = Rng::for_stream(split_seed, Stream::Split).permutation(all.len());
        let half = all.len() / 2;
        Self {
            train: all.subset(&order[..half]),
            test: all.subset(&order[half..]),
        }
    }

    /// Train and test pairs of one round: both drawn from the round's seed.
    pub fn pairs(&self, n: usize, seed: u64) -> Result<(PairSet, PairSet), DataError> {
        let mut rng = Rng::for_stream(seed, Stream::Pairs);
        let train = PairSet::generate(&self.train, n, &mut rng)?;
        let test = PairSet::generate(&self.test, n, &mut rng)?;
        Ok((train, test))
    }

    /// The most pairs each source can give.
    pub fn max_pairs(&self) -> usize {
        self.train.len().min(self.test.len()) / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::PIXELS28;

    /// Image i is filled with the value i (mod 256); label i % 10.
    fn numbered(n: usize) -> DigitSet {
        let pixels = (0..n)
            .flat_map(|i| vec![(i % 256) as u8; PIXELS28])
            .collect();
        let labels = (0..n).map(|i| (i % 10) as u8).collect();
        DigitSet::new(pixels, labels).unwrap()
    }

    #[test]
    fn pairs_use_distinct_images_and_correct_targets() {
        let src = numbered(200);
        let set = PairSet::generate(&src, 100, &mut Rng::new(1)).unwrap();
        assert_eq!(set.len(), 100);
        let mut ids: Vec<u32> = set
            .inputs()
            .chunks_exact(PIXELS14)
            .map(|img| (img[0] * 255.0).round() as u32)
            .collect();
        // every image drawn once (values 0..=199 identify images)
        ids.sort_unstable();
        assert_eq!(ids, (0..200).collect::<Vec<_>>());
        for (i, c) in set.classes().iter().enumerate() {
            assert_eq!(set.targets()[i], u8::from(c[0] <= c[1]));
            let first = (set.inputs()[i * 2 * PIXELS14] * 255.0).round() as usize;
            assert_eq!(c[0] as usize, first % 10);
        }
    }

    #[test]
    fn too_many_pairs_is_an_error() {
        let e = PairSet::generate(&numbered(10), 6, &mut Rng::new(1)).unwrap_err();
        assert!(e.to_string().contains("12 distinct images"));
    }

    #[test]
    fn split_is_disjoint_and_seeded() {
        let all = numbered(250);
        let s = Sources::split_halves(&all, 0);
        assert_eq!(s.train.len() + s.test.len(), 250);
        let firsts = |d: &DigitSet| -> Vec<u8> { (0..d.len()).map(|i| d.image(i)[0]).collect() };
        let (mut tr, te) = (firsts(&s.train), firsts(&s.test));
        assert!(tr.iter().all(|v| !te.contains(v)));
        tr.sort_unstable();
        assert_ne!(
            tr,
            (0..125).collect::<Vec<u8>>(),
            "split should be shuffled"
        );
        assert_eq!(Sources::split_halves(&all, 0).train, s.train);
        assert_ne!(Sources::split_halves(&all, 1).train, s.train);
    }

    #[test]
    fn normalization_is_mean_and_unbiased_std() {
        let set = PairSet::from_parts(
            (0..2 * PIXELS14).map(|i| (i % 2) as f32).collect(),
            vec![[1, 2]],
        )
        .unwrap();
        let n = set.normalization();
        assert!((n.mean - 0.5).abs() < 1e-6);
        let count = (2 * PIXELS14) as f32;
        let std = (0.25 * count / (count - 1.0)).sqrt();
        assert!((n.std - std).abs() < 1e-6);
    }
}
