//! One training run: its settings ([`TrainConfig`]), the [`Trainer`] that trains it an
//! epoch at a time, the [`TrainingRun`] a caller steps and times (the browser's worker,
//! the CLI's progress bar), [`run`] (a run driven to the end: what `twinnet train` calls)
//! and what a run reports.
//!
//! Like the rest of the core this reads no clock: every step takes the caller's clock in
//! milliseconds (`performance.now()` in the browser, `Instant` natively) and the run adds
//! up the time of its epochs, so time spent between epochs (the worker yielding to its
//! event loop) is not counted as training.

use candle_core::{Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use serde::{Deserialize, Serialize};

use crate::data::pairs::{PairSet, Sources};
use crate::evaluate::{evaluate, objective, Evaluation, PairTensors};
use crate::model::{Mode, ModelConfig, TwinNet};
use crate::options::{self, TrainOptions};
use crate::rng::{Rng, Stream};

/// A clock in milliseconds (any origin): the caller's, since the core reads none.
pub type ClockMs<'a> = &'a dyn Fn() -> f64;

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
    /// The published protocol (Adam, lr 1e-2, batch 128, 25 epochs: `crate::options`'s
    /// figures) for `model`, seeded by `seed`.
    pub fn published(model: ModelConfig, seed: u64) -> Self {
        Self {
            model,
            epochs: options::PUBLISHED_EPOCHS,
            learning_rate: options::PUBLISHED_LR,
            batch_size: options::PUBLISHED_BATCH,
            seed,
        }
    }

    /// The run a page's checked settings ask for.
    pub fn of(options: &TrainOptions) -> Self {
        Self {
            model: options.model(),
            epochs: options.epochs,
            learning_rate: options.lr,
            batch_size: options.batch,
            seed: options.seed,
        }
    }

    /// Checks the settings against the number of training pairs.
    pub fn validate(&self, train_pairs: usize) -> Result<(), TrainError> {
        let bad = |m: String| Err(TrainError::Config(m));
        let epochs = options::EPOCHS;
        if !(epochs.min..=epochs.max).contains(&(self.epochs as u64)) {
            return bad(format!(
                "epochs must be {} to {} (the published protocol is {}), got {}",
                epochs.min,
                epochs.max,
                options::PUBLISHED_EPOCHS,
                self.epochs
            ));
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

/// What the page shows after an epoch. Errors in %, losses as [`EpochMetrics`] has them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochReport {
    /// 1-based.
    pub epoch: usize,
    /// Epochs of the run.
    pub epochs: usize,
    pub train_loss: f32,
    pub test_loss: f32,
    pub test_error: f32,
    pub test_error_readout: f32,
    pub test_digit_error: f32,
    /// Training time of the run so far (its epochs, each training and test evaluation), ms.
    pub elapsed_ms: f64,
}

impl EpochReport {
    pub fn new(m: &EpochMetrics, epochs: usize, elapsed_ms: f64) -> Self {
        Self {
            epoch: m.epoch,
            epochs,
            train_loss: m.train_loss,
            test_loss: m.test.loss,
            test_error: m.test.error,
            test_error_readout: m.test.error_readout,
            test_digit_error: m.test.digit_error,
            elapsed_ms,
        }
    }
}

/// How a finished run does: eval mode on its training and test pairs after the last epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FinalMetrics {
    pub train_loss: f32,
    pub test_loss: f32,
    pub train_error: f32,
    pub test_error: f32,
    pub test_error_readout: f32,
    pub test_digit_error: f32,
}

impl FinalMetrics {
    pub fn new(train: &Evaluation, test: &Evaluation) -> Self {
        Self {
            train_loss: train.loss,
            test_loss: test.loss,
            train_error: train.error,
            test_error: test.error,
            test_error_readout: test.error_readout,
            test_digit_error: test.digit_error,
        }
    }
}

/// One finished training run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunResult {
    pub config: ModelConfig,
    pub seed: u64,
    /// Eval-mode evaluation on the training pairs after the last epoch.
    pub train: Evaluation,
    /// Eval-mode evaluation on the test pairs after the last epoch.
    pub test: Evaluation,
    /// Every epoch's metrics.
    pub epochs: Vec<EpochMetrics>,
    /// Time of all epochs (training and per-epoch test evaluation) by the caller's clock, ms.
    pub elapsed_ms: f64,
}

/// What a finished (or stopped) run of the page's form reports: its settings, the final
/// evaluation, the training time and every epoch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainingReport {
    pub options: TrainOptions,
    #[serde(rename = "final")]
    pub final_metrics: FinalMetrics,
    pub elapsed_ms: f64,
    pub epochs: Vec<EpochReport>,
}

impl TrainingReport {
    /// Evaluates `run`'s model on its training and test pairs (eval mode): call it once.
    pub fn of(options: TrainOptions, run: &TrainingRun) -> Result<Self, TrainError> {
        let result = run.result()?;
        Ok(Self {
            options,
            final_metrics: FinalMetrics::new(&result.train, &result.test),
            elapsed_ms: run.elapsed_ms(),
            epochs: run.reports().to_vec(),
        })
    }
}

/// One training run, stepped an epoch at a time by the caller.
pub struct TrainingRun {
    trainer: Trainer,
    reports: Vec<EpochReport>,
    metrics: Vec<EpochMetrics>,
    elapsed_ms: f64,
}

impl TrainingRun {
    /// Draws the run's train and test pairs from `sources` (seeded by `config.seed`, as
    /// [`crate::data::pairs::Sources::pairs`]) and makes the seeded model and optimizer.
    pub fn start(config: TrainConfig, sources: &Sources, pairs: usize) -> Result<Self, TrainError> {
        let (train, test) = sources
            .pairs(pairs, config.seed)
            .map_err(|e| TrainError::Config(e.to_string()))?;
        Ok(Self {
            trainer: Trainer::new(config, &train, &test)?,
            reports: Vec::new(),
            metrics: Vec::new(),
            elapsed_ms: 0.0,
        })
    }

    /// Trains and evaluates the next epoch, timed by `now_ms`. After an error (divergence)
    /// the run is over: its model is whatever the failing epoch left, not one to keep.
    pub fn step(&mut self, now_ms: ClockMs) -> Result<EpochReport, TrainError> {
        if self.is_finished() {
            return Err(TrainError::Finished(self.config().epochs));
        }
        let start = now_ms();
        let metrics = self.trainer.run_epoch();
        self.elapsed_ms += now_ms() - start;
        let metrics = metrics?;
        let report = EpochReport::new(&metrics, self.config().epochs, self.elapsed_ms);
        self.metrics.push(metrics);
        self.reports.push(report);
        Ok(report)
    }

    pub fn config(&self) -> &TrainConfig {
        self.trainer.config()
    }

    pub fn is_finished(&self) -> bool {
        self.trainer.is_finished()
    }

    pub fn epochs_done(&self) -> usize {
        self.trainer.epochs_done()
    }

    /// Every epoch's report so far.
    pub fn reports(&self) -> &[EpochReport] {
        &self.reports
    }

    /// Every epoch's metrics so far.
    pub fn metrics(&self) -> &[EpochMetrics] {
        &self.metrics
    }

    /// Training time of the epochs so far, ms.
    pub fn elapsed_ms(&self) -> f64 {
        self.elapsed_ms
    }

    /// The model as trained so far.
    pub fn model(&self) -> &TwinNet {
        self.trainer.model()
    }

    /// The per-epoch test evaluation on its own (eval mode, the run's test pairs), for
    /// benchmarks that split an epoch into training and evaluation.
    pub fn evaluate_test(&self) -> Result<Evaluation, TrainError> {
        Ok(self.trainer.evaluate_test()?)
    }

    /// The run's figures as `crate::ablation::summarize` takes them: evaluates the model on the
    /// training pairs (eval mode), so call it once, at the end. The test evaluation is the
    /// last epoch's when that epoch left this model (evaluating is deterministic).
    pub fn result(&self) -> Result<RunResult, TrainError> {
        let test = match self.metrics.last() {
            Some(last) if last.epoch == self.epochs_done() => last.test,
            // No epoch yet, or the last one failed after training (divergence).
            _ => self.trainer.evaluate_test()?,
        };
        Ok(RunResult {
            config: self.config().model,
            seed: self.config().seed,
            train: self.trainer.evaluate_train()?,
            test,
            epochs: self.metrics.clone(),
            elapsed_ms: self.elapsed_ms,
        })
    }

    pub fn into_model(self) -> TwinNet {
        self.trainer.into_model()
    }
}

/// Trains one run to the end, calling `on_epoch` after each epoch (return
/// `false` to stop early: the result then covers the epochs done).
/// Returns the run's figures and the trained model; the run is timed by `now_ms` (see
/// [`TrainingRun`], which this drives).
pub fn run(
    config: TrainConfig,
    sources: &Sources,
    pairs: usize,
    now_ms: ClockMs,
    on_epoch: &mut dyn FnMut(&EpochMetrics) -> bool,
) -> Result<(RunResult, TwinNet), TrainError> {
    let mut run = TrainingRun::start(config, sources, pairs)?;
    while !run.is_finished() {
        run.step(now_ms)?;
        let stop = run.metrics().last().is_some_and(|m| !on_epoch(m));
        if stop {
            break;
        }
    }
    let result = run.result()?;
    Ok((result, run.into_model()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reports_carry_the_metrics() {
        let test = Evaluation {
            loss: 0.5,
            error: 10.0,
            error_readout: 4.0,
            digit_error: 6.0,
        };
        let m = EpochMetrics {
            epoch: 3,
            train_loss: 0.2,
            test,
        };
        let r = EpochReport::new(&m, 25, 1234.5);
        assert_eq!(
            serde_json::to_value(r).unwrap(),
            json!({"epoch": 3, "epochs": 25, "train_loss": 0.2f32, "test_loss": 0.5, "test_error": 10.0,
                   "test_error_readout": 4.0, "test_digit_error": 6.0, "elapsed_ms": 1234.5})
        );
    }
}
