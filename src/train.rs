//! Training, one epoch at a time, and evaluation.
//!
//! [`Trainer::run_epoch`] trains one epoch (Adam, reshuffled every epoch) and
//! evaluates on the test pairs, so a caller — the CLI's progress bar, the
//! browser's worker — can report after every epoch and cancel between epochs.
//! Nothing here reads a clock: callers time epochs themselves.

use candle_core::{Device, Tensor, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};

use crate::data::pairs::PairSet;
use crate::data::{DigitSet, PIXELS14, SIDE14};
use crate::model::{self, Mode, ModelConfig, Normalization, Outputs, TwinNet};
use crate::preprocess::pool_2x2_u8;
use crate::rng::{Rng, Stream};

/// Everything that defines a training run.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainConfig {
    pub model: ModelConfig,
    pub epochs: usize,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub seed: u64,
}

impl TrainConfig {
    /// The published protocol: Adam, lr 1e-2, batch 128, 25 epochs.
    pub fn published(model: ModelConfig, seed: u64) -> Self {
        Self {
            model,
            epochs: 25,
            learning_rate: 1e-2,
            batch_size: 128,
            seed,
        }
    }

    /// Checks the settings against the number of training pairs.
    pub fn validate(&self, train_pairs: usize) -> Result<(), TrainError> {
        let bad = |m: String| Err(TrainError::Config(m));
        if self.epochs == 0 {
            return bad("epochs must be at least 1".into());
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return bad(format!(
                "learning rate must be a number > 0, got {}",
                self.learning_rate
            ));
        }
        if self.batch_size < 2 {
            return bad(format!(
                "batch size must be at least 2 (BatchNorm needs two samples), got {}",
                self.batch_size
            ));
        }
        if train_pairs < 2 {
            return bad(format!(
                "training needs at least 2 pairs, got {train_pairs}"
            ));
        }
        Ok(())
    }
}

/// Why training failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("invalid training settings: {0}")]
    Config(String),
    #[error("training diverged in epoch {epoch} (loss {loss}, where guessing scores {chance:.2}): try a smaller learning rate than {learning_rate}")]
    Diverged {
        epoch: usize,
        loss: f32,
        chance: f32,
        learning_rate: f64,
    },
    #[error("all {0} epochs are done")]
    Finished(usize),
    #[error("{0}")]
    Candle(#[from] candle_core::Error),
}

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

/// What one epoch did.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochMetrics {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training objective over the epoch (train mode, weighted by batch size).
    pub train_loss: f32,
    /// Evaluation on the test pairs after the epoch.
    pub test: Evaluation,
}

/// Pairs as tensors, normalised, ready for the model.
#[derive(Debug, Clone)]
pub struct PairTensors {
    a: Tensor,
    b: Tensor,
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

    fn select(&self, idx: &Tensor) -> candle_core::Result<Self> {
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

/// The loss of a model that predicts uniform probabilities: ln 2 for the pair,
/// plus 2 ln 10 for the two digits with aux loss.
pub fn chance_loss(aux: bool) -> f32 {
    let pair = std::f32::consts::LN_2;
    if aux {
        pair + 2.0 * std::f32::consts::LN_10
    } else {
        pair
    }
}

/// An epoch whose mean training loss exceeds this many times [`chance_loss`]
/// has diverged: the model is far worse than guessing (e.g. lr = 10 gives
/// hundreds of times; lr = 1, which still recovers, about 5 times).
pub const DIVERGENCE_FACTOR: f32 = 10.0;

/// The training objective of a batch.
fn objective(out: &Outputs, batch: &PairTensors, aux: bool) -> candle_core::Result<Tensor> {
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

/// Trains a TwinNet one epoch at a time.
pub struct Trainer {
    config: TrainConfig,
    model: TwinNet,
    optimizer: AdamW,
    train: PairTensors,
    test: PairTensors,
    shuffle: Rng,
    dropout: Rng,
    epochs_done: usize,
}

impl Trainer {
    /// A fresh model (seeded init) and optimizer for `train` pairs; the input
    /// normalisation comes from the training pairs and travels with the model.
    pub fn new(config: TrainConfig, train: &PairSet, test: &PairSet) -> Result<Self, TrainError> {
        config.validate(train.len())?;
        let norm = train.normalization();
        let model = TwinNet::new(
            config.model,
            norm,
            &mut Rng::for_stream(config.seed, Stream::Init),
        )?;
        Self::with_model(config, model, train, test)
    }

    /// Continues training `model` (e.g. loaded weights) on `train` pairs,
    /// keeping the model's own normalisation.
    pub fn with_model(
        config: TrainConfig,
        model: TwinNet,
        train: &PairSet,
        test: &PairSet,
    ) -> Result<Self, TrainError> {
        config.validate(train.len())?;
        let norm = model.normalization();
        let params = ParamsAdamW {
            lr: config.learning_rate,
            weight_decay: 0.0,
            ..ParamsAdamW::default()
        };
        let optimizer = AdamW::new(model.trainable_vars(), params)?;
        Ok(Self {
            config,
            optimizer,
            train: PairTensors::new(train, norm)?,
            test: PairTensors::new(test, norm)?,
            shuffle: Rng::for_stream(config.seed, Stream::Shuffle),
            dropout: Rng::for_stream(config.seed, Stream::Dropout),
            epochs_done: 0,
            model,
        })
    }

    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    pub fn epochs_done(&self) -> usize {
        self.epochs_done
    }

    pub fn is_finished(&self) -> bool {
        self.epochs_done >= self.config.epochs
    }

    pub fn model(&self) -> &TwinNet {
        &self.model
    }

    pub fn into_model(self) -> TwinNet {
        self.model
    }

    /// Trains one epoch (a fresh shuffle, batches of `batch_size`; a last batch
    /// of a single pair is skipped, since BatchNorm cannot train on one sample),
    /// then evaluates on the test pairs.
    pub fn run_epoch(&mut self) -> Result<EpochMetrics, TrainError> {
        if self.is_finished() {
            return Err(TrainError::Finished(self.config.epochs));
        }
        let epoch = self.epochs_done + 1;
        let n = self.train.len();
        let order: Vec<u32> = self
            .shuffle
            .permutation(n)
            .into_iter()
            .map(|i| i as u32)
            .collect();
        let (mut loss_sum, mut seen) = (0f64, 0usize);
        for chunk in order.chunks(self.config.batch_size) {
            if chunk.len() < 2 {
                continue;
            }
            let idx = Tensor::from_slice(chunk, chunk.len(), &Device::Cpu)?;
            let batch = self.train.select(&idx)?;
            let out = self.model.forward(
                &batch.a,
                &batch.b,
                &mut Mode::Train {
                    dropout: &mut self.dropout,
                },
            )?;
            let loss = objective(&out, &batch, self.config.model.aux)?;
            let value = loss.to_scalar::<f32>()?;
            if !value.is_finite() {
                return Err(self.diverged(epoch, value));
            }
            self.optimizer.backward_step(&loss)?;
            loss_sum += value as f64 * chunk.len() as f64;
            seen += chunk.len();
        }
        self.epochs_done = epoch;
        let train_loss = (loss_sum / seen.max(1) as f64) as f32;
        if train_loss > DIVERGENCE_FACTOR * chance_loss(self.config.model.aux) {
            return Err(self.diverged(epoch, train_loss));
        }
        let test = evaluate(&self.model, &self.test)?;
        if !test.loss.is_finite() {
            return Err(self.diverged(epoch, test.loss));
        }
        Ok(EpochMetrics {
            epoch,
            train_loss,
            test,
        })
    }

    fn diverged(&self, epoch: usize, loss: f32) -> TrainError {
        TrainError::Diverged {
            epoch,
            loss,
            chance: chance_loss(self.config.model.aux),
            learning_rate: self.config.learning_rate,
        }
    }

    /// Replaces the training pairs (e.g. a fresh pairing of a large image set
    /// every epoch); the model keeps its normalisation.
    pub fn set_train_pairs(&mut self, pairs: &PairSet) -> Result<(), TrainError> {
        self.config.validate(pairs.len())?;
        self.train = PairTensors::new(pairs, self.model.normalization())?;
        Ok(())
    }

    /// Eval-mode evaluation on the training pairs.
    pub fn evaluate_train(&self) -> candle_core::Result<Evaluation> {
        evaluate(&self.model, &self.train)
    }

    /// Eval-mode evaluation on the test pairs.
    pub fn evaluate_test(&self) -> candle_core::Result<Evaluation> {
        evaluate(&self.model, &self.test)
    }
}
