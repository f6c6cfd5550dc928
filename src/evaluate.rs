//! How a model does on a set of pairs or images, in eval mode: the pairs as tensors
//! ([`PairTensors`]), the training objective, [`evaluate`] (loss, pair error, readout
//! error, digit error) and [`digit_accuracy`] of each 10-way output.

use candle_core::{Device, Tensor, D};

use crate::data::pairs::PairSet;
use crate::data::{DigitSet, PIXELS14, SIDE14};
use crate::model::{self, Normalization, Outputs, TwinNet};
use crate::preprocess::pool_2x2_u8;

/// How a model does on a pair set (eval mode). Errors are percentages.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Evaluation {
    /// The training objective: pair cross-entropy, plus both digit
    /// cross-entropies when the model is trained with aux loss.
    pub loss: f32,
    /// Pair error of the head's 2-way output, %.
    pub error: f32,
    /// Pair error of the probabilistic readout from the two digit outputs, %.
    pub error_readout: f32,
    /// Digit error of both 10-way outputs, % (meaningful with aux loss).
    pub digit_error: f32,
}

/// Pairs as tensors, normalised, ready for the model.
#[derive(Debug, Clone)]
pub struct PairTensors {
    pub(crate) a: Tensor,
    pub(crate) b: Tensor,
    targets: Tensor,
    class_a: Tensor,
    class_b: Tensor,
}

impl PairTensors {
    /// Normalises `pairs` with `norm` and puts them in tensors.
    pub fn new(pairs: &PairSet, norm: Normalization) -> candle_core::Result<Self> {
        let n = pairs.len();
        let mut a = Vec::with_capacity(n * PIXELS14);
        let mut b = Vec::with_capacity(n * PIXELS14);
        for pair in pairs.inputs().chunks_exact(2 * PIXELS14) {
            a.extend_from_slice(&pair[..PIXELS14]);
            b.extend_from_slice(&pair[PIXELS14..]);
        }
        norm.apply(&mut a);
        norm.apply(&mut b);
        let dev = &Device::Cpu;
        let shape = (n, 1, SIDE14, SIDE14);
        let u32s = |f: &dyn Fn(usize) -> u8| -> Vec<u32> { (0..n).map(|i| f(i) as u32).collect() };
        Ok(Self {
            a: Tensor::from_vec(a, shape, dev)?,
            b: Tensor::from_vec(b, shape, dev)?,
            targets: Tensor::from_vec(u32s(&|i| pairs.targets()[i]), n, dev)?,
            class_a: Tensor::from_vec(u32s(&|i| pairs.classes()[i][0]), n, dev)?,
            class_b: Tensor::from_vec(u32s(&|i| pairs.classes()[i][1]), n, dev)?,
        })
    }

    pub fn len(&self) -> usize {
        self.targets.dims()[0]
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pairs at `idx` (a training batch).
    pub(crate) fn select(&self, idx: &Tensor) -> candle_core::Result<Self> {
        Ok(Self {
            a: self.a.index_select(idx, 0)?,
            b: self.b.index_select(idx, 0)?,
            targets: self.targets.index_select(idx, 0)?,
            class_a: self.class_a.index_select(idx, 0)?,
            class_b: self.class_b.index_select(idx, 0)?,
        })
    }

    fn range(&self, start: usize, len: usize) -> candle_core::Result<Self> {
        Ok(Self {
            a: self.a.narrow(0, start, len)?,
            b: self.b.narrow(0, start, len)?,
            targets: self.targets.narrow(0, start, len)?,
            class_a: self.class_a.narrow(0, start, len)?,
            class_b: self.class_b.narrow(0, start, len)?,
        })
    }
}

/// The training objective of a batch: pair cross-entropy, plus both digit cross-entropies
/// with aux loss.
pub(crate) fn objective(
    out: &Outputs,
    batch: &PairTensors,
    aux: bool,
) -> candle_core::Result<Tensor> {
    use candle_nn::loss::cross_entropy;
    let main = cross_entropy(&out.pair, &batch.targets)?;
    if aux {
        main + cross_entropy(&out.digit_a, &batch.class_a)?
            + cross_entropy(&out.digit_b, &batch.class_b)?
    } else {
        Ok(main)
    }
}

/// Rows where `predicted` differs from `truth`.
fn count_wrong(predicted: &Tensor, truth: &Tensor) -> candle_core::Result<usize> {
    Ok(predicted
        .ne(truth)?
        .to_dtype(candle_core::DType::U32)?
        .sum_all()?
        .to_scalar::<u32>()? as usize)
}

/// Pairs per eval-mode forward pass: small enough that the conv buffers
/// (im2col) stay in cache — at 2048 pairs, evaluation took half as long as training.
const EVAL_CHUNK: usize = 256;

/// Eval-mode evaluation of `model` on `set` (in chunks, to bound memory).
pub fn evaluate(model: &TwinNet, set: &PairTensors) -> candle_core::Result<Evaluation> {
    const CHUNK: usize = EVAL_CHUNK;
    let n = set.len();
    let (mut loss_sum, mut wrong, mut wrong_readout, mut wrong_digits) = (0f64, 0, 0, 0);
    for start in (0..n).step_by(CHUNK) {
        let len = CHUNK.min(n - start);
        let batch = set.range(start, len)?;
        let out = model.eval(&batch.a, &batch.b)?;
        loss_sum +=
            objective(&out, &batch, model.config().aux)?.to_scalar::<f32>()? as f64 * len as f64;
        wrong += count_wrong(&out.pair.argmax(D::Minus1)?, &batch.targets)?;
        let p = model::readout(
            &model::softmax(&out.digit_a)?,
            &model::softmax(&out.digit_b)?,
        )?;
        let says_le = p.ge(0.5)?.to_dtype(candle_core::DType::U32)?;
        wrong_readout += count_wrong(&says_le, &batch.targets)?;
        wrong_digits += count_wrong(&out.digit_a.argmax(D::Minus1)?, &batch.class_a)?;
        wrong_digits += count_wrong(&out.digit_b.argmax(D::Minus1)?, &batch.class_b)?;
    }
    let pct = |w: usize, total: usize| (100.0 * w as f64 / total.max(1) as f64) as f32;
    Ok(Evaluation {
        loss: (loss_sum / n.max(1) as f64) as f32,
        error: pct(wrong, n),
        error_readout: pct(wrong_readout, n),
        digit_error: pct(wrong_digits, 2 * n),
    })
}

/// Digit accuracy (%) of each 10-way output over a whole set of images:
/// every image through subnet 1 and through subnet 2.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DigitAccuracy {
    pub subnet1_digit_accuracy: f32,
    pub subnet2_digit_accuracy: f32,
    pub images: usize,
}

/// [`DigitAccuracy`] of `model` on `images`.
pub fn digit_accuracy(model: &TwinNet, images: &DigitSet) -> candle_core::Result<DigitAccuracy> {
    const CHUNK: usize = EVAL_CHUNK;
    let norm = model.normalization();
    let (mut right_a, mut right_b) = (0usize, 0usize);
    for start in (0..images.len()).step_by(CHUNK) {
        let len = CHUNK.min(images.len() - start);
        let mut x = Vec::with_capacity(len * PIXELS14);
        for i in start..start + len {
            x.extend_from_slice(&pool_2x2_u8(images.image(i)));
        }
        norm.apply(&mut x);
        let x = Tensor::from_vec(x, (len, 1, SIDE14, SIDE14), &Device::Cpu)?;
        let labels: Vec<u32> = images.labels()[start..start + len]
            .iter()
            .map(|&l| l as u32)
            .collect();
        let labels = Tensor::from_vec(labels, len, &Device::Cpu)?;
        let out = model.eval(&x, &x)?;
        right_a += len - count_wrong(&out.digit_a.argmax(D::Minus1)?, &labels)?;
        right_b += len - count_wrong(&out.digit_b.argmax(D::Minus1)?, &labels)?;
    }
    let pct = |r: usize| (100.0 * r as f64 / images.len().max(1) as f64) as f32;
    Ok(DigitAccuracy {
        subnet1_digit_accuracy: pct(right_a),
        subnet2_digit_accuracy: pct(right_b),
        images: images.len(),
    })
}
