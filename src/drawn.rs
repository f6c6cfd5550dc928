//! The drawn-digit benchmark: how well a model reads digits drawn on the page's pad.
//!
//! Held-out MNIST digits are traced into the strokes a person draws ([`pad_strokes`]),
//! placed at a random size within a bucket (the larger side of the strokes' box, centre
//! lines, as a fraction of the pad) and a random place that keeps the ink on the pad, and
//! painted with the page's round pen ([`paint_pad`], the pen's width a fraction of the
//! pad) on a [`CANVAS`]-pixel pad; then the page's preprocessing ([`preprocess`]) and the
//! model. Consecutive digits (0 and 1, 2 and 3, …) form the pairs whose verdict is
//! scored, as the page shows it ([`Verdict::p_le`]). The same digits as scans (MNIST's
//! 28×28 bytes, pooled as in training) give the figures beside them.
//!
//! Randomness comes from a seed per (size bucket, digit), so every pen width of a bucket
//! draws the same digits at the same sizes and places; nothing depends on threads: the
//! caller may draw the digits ([`draw`]) in any order and score them ([`score`]) in one.

use candle_core::{Device, Tensor};

use crate::data::DigitSet;
use crate::examples::PAGE_PEN_WIDTH;
use crate::model::{self, TwinNet};
use crate::predict::{argmax, Verdict};
use crate::preprocess::{pool_2x2_u8, preprocess, PreprocessError, PIXELS14, SIDE14};
use crate::rng::Rng;
use crate::strokes::{pad_strokes, paint_pad, Point};

/// The pad's side in pixels (the page's pad at 280 CSS pixels).
pub const CANVAS: usize = 280;

/// The size buckets: the digit's strokes fill this fraction of the pad (larger side).
pub const SIZE_BUCKETS: [(f32, f32); 3] = [(0.20, 0.35), (0.35, 0.60), (0.60, 0.95)];

/// The pen widths measured, as fractions of the pad's side; the page's is [`PAGE_PEN_WIDTH`].
pub const PEN_WIDTHS: [f32; 5] = [
    1.0 / 20.0,
    1.0 / 16.0,
    PAGE_PEN_WIDTH,
    1.0 / 10.0,
    1.0 / 8.0,
];

/// Space kept between the pen's edge and the pad's edge, as a fraction of the pad.
const MARGIN: f32 = 0.01;

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum DrawnError {
    #[error("the pad could not be painted: {0}")]
    Paint(#[from] PreprocessError),
    #[error("the model failed: {0}")]
    Model(#[from] candle_core::Error),
    #[error("{inputs} inputs for {labels} labels")]
    Mismatch { inputs: usize, labels: usize },
}

/// Strokes of `image28` scaled to `size` of the pad (less if the ink of a pen `pen`
/// wide would not fit: a person's strokes end at the pad's edge) and moved by
/// `(fx, fy)` (each in [0, 1]: from the leftmost or topmost place that keeps the ink on
/// the pad to the rightmost or lowest).
pub fn place(image28: &[u8], size: f32, pen: f32, fx: f32, fy: f32) -> Vec<Vec<Point>> {
    let strokes = pad_strokes(image28, size.min(1.0 - pen - 2.0 * MARGIN));
    let points = || strokes.iter().flatten();
    let (x0, x1) = points().fold((f32::MAX, f32::MIN), |(lo, hi), p| {
        (lo.min(p.0), hi.max(p.0))
    });
    let (y0, y1) = points().fold((f32::MAX, f32::MIN), |(lo, hi), p| {
        (lo.min(p.1), hi.max(p.1))
    });
    let reach = pen * 0.5 + MARGIN;
    let shift = |f: f32, lo: f32, hi: f32| {
        let (first, last) = (reach - lo, 1.0 - reach - hi);
        if last > first {
            first + f * (last - first)
        } else {
            (first + last) * 0.5
        }
    };
    let (dx, dy) = (shift(fx, x0, x1), shift(fy, y0, y1));
    strokes
        .into_iter()
        .map(|s| s.into_iter().map(|(x, y)| (x + dx, y + dy)).collect())
        .collect()
}

/// Digit `k` of a benchmark seeded `seed`, drawn in size bucket `bucket` with a pen
/// `pen` of the pad wide, through the page's preprocessing: the network's input, or
/// `None` when it comes out blank.
pub fn draw(
    image28: &[u8],
    k: usize,
    seed: u64,
    bucket: (f32, f32),
    pen: f32,
) -> Result<Option<[f32; PIXELS14]>, DrawnError> {
    let stream = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((bucket.0 * 1000.0) as u64)
        .wrapping_mul(0x2545_F491_4F6C_DD1D)
        .wrapping_add(k as u64);
    let mut rng = Rng::new(stream);
    let size = rng.uniform(bucket.0, bucket.1);
    let (fx, fy) = (rng.next_f32(), rng.next_f32());
    let pad = paint_pad(&place(image28, size, pen, fx, fy), pen, CANVAS)?;
    Ok(preprocess(&pad))
}

/// What a model made of a set of drawn (or scanned) digits.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Score {
    /// Digits read as their label, % (a blank drawing counts as wrong).
    pub digit_accuracy: f64,
    /// Pairs of consecutive digits whose verdict (the one the page shows) is right, %.
    pub verdict_accuracy: f64,
    pub digits: usize,
    pub pairs: usize,
}

/// Pairs per forward pass.
const CHUNK: usize = 256;

/// Scores `model` on network inputs (`None`: blank) with their labels.
pub fn score(
    model: &TwinNet,
    inputs: &[Option<[f32; PIXELS14]>],
    labels: &[u8],
) -> Result<Score, DrawnError> {
    if inputs.len() != labels.len() {
        return Err(DrawnError::Mismatch {
            inputs: inputs.len(),
            labels: labels.len(),
        });
    }
    let pairs = inputs.len() / 2;
    let norm = model.normalization();
    let blank = [0.0f32; PIXELS14];
    let (mut right_digits, mut right_pairs) = (0usize, 0usize);
    for start in (0..pairs).step_by(CHUNK) {
        let len = CHUNK.min(pairs - start);
        let side = |offset: usize| -> candle_core::Result<Tensor> {
            let mut x = Vec::with_capacity(len * PIXELS14);
            for p in start..start + len {
                x.extend_from_slice(inputs[2 * p + offset].as_ref().unwrap_or(&blank));
            }
            norm.apply(&mut x);
            Tensor::from_vec(x, (len, 1, SIDE14, SIDE14), &Device::Cpu)
        };
        let out = model.eval(&side(0)?, &side(1)?)?;
        let rows = |t: &Tensor| -> candle_core::Result<Vec<Vec<f32>>> {
            model::softmax(t)?.to_vec2::<f32>()
        };
        let (pa, pb, pair) = (rows(&out.digit_a)?, rows(&out.digit_b)?, rows(&out.pair)?);
        for (i, p) in (start..start + len).enumerate() {
            let (ia, ib) = (2 * p, 2 * p + 1);
            let (la, lb) = (labels[ia], labels[ib]);
            let read = |input: usize, probs: &[f32], label: u8| {
                inputs[input].is_some() && argmax(probs) == usize::from(label)
            };
            right_digits += usize::from(read(ia, &pa[i], la)) + usize::from(read(ib, &pb[i], lb));
            let verdict = Verdict::of(model.config().aux, &pa[i], &pb[i], &pair[i]);
            let both = inputs[ia].is_some() && inputs[ib].is_some();
            right_pairs += usize::from(both && verdict.le == (la <= lb));
        }
    }
    let pct = |right: usize, of: usize| 100.0 * right as f64 / of.max(1) as f64;
    Ok(Score {
        digit_accuracy: pct(right_digits, 2 * pairs),
        verdict_accuracy: pct(right_pairs, pairs),
        digits: 2 * pairs,
        pairs,
    })
}

/// [`score`] on the digits as scans: MNIST's bytes pooled as in training.
pub fn score_scans(model: &TwinNet, digits: &DigitSet) -> Result<Score, DrawnError> {
    let inputs: Vec<_> = (0..digits.len())
        .map(|i| Some(pool_2x2_u8(digits.image(i))))
        .collect();
    score(model, &inputs, digits.labels())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar28() -> Vec<u8> {
        let mut img = vec![0u8; 784];
        for y in 4..24 {
            for x in 12..16 {
                img[y * 28 + x] = 255;
            }
        }
        img
    }

    #[test]
    fn placed_strokes_keep_size_and_stay_on_the_pad() {
        let img = bar28();
        for (fx, fy) in [(0.0, 0.0), (1.0, 1.0), (0.3, 0.8)] {
            for pen in PEN_WIDTHS {
                let strokes = place(&img, 0.9, pen, fx, fy);
                let ys: Vec<f32> = strokes.iter().flatten().map(|p| p.1).collect();
                let (lo, hi) = ys
                    .iter()
                    .fold((f32::MAX, f32::MIN), |(a, b), &y| (a.min(y), b.max(y)));
                let fits = 0.9f32.min(1.0 - pen - 2.0 * MARGIN);
                assert!((hi - lo - fits).abs() < 1e-4, "height {}", hi - lo);
                assert!(
                    lo >= pen * 0.5 && hi <= 1.0 - pen * 0.5,
                    "{lo}..{hi} with pen {pen}"
                );
            }
        }
        // The extremes of the range are reached.
        let top = place(&img, 0.5, 0.1, 0.5, 0.0);
        let min_y = top.iter().flatten().map(|p| p.1).fold(f32::MAX, f32::min);
        assert!((min_y - (0.05 + MARGIN)).abs() < 1e-4, "{min_y}");
    }

    #[test]
    fn same_seed_same_drawing_for_every_pen() {
        let img = bar28();
        let a = draw(&img, 3, 7, SIZE_BUCKETS[1], PAGE_PEN_WIDTH).unwrap();
        assert_eq!(
            a,
            draw(&img, 3, 7, SIZE_BUCKETS[1], PAGE_PEN_WIDTH).unwrap()
        );
        assert_ne!(
            a,
            draw(&img, 4, 7, SIZE_BUCKETS[1], PAGE_PEN_WIDTH).unwrap()
        );
        assert!(a.is_some());
        assert_eq!(draw(&[0u8; 784], 0, 7, SIZE_BUCKETS[0], 0.1).unwrap(), None);
    }
}
