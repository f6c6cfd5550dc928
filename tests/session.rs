//! Training stepped from outside (`twinnet::session`, what the browser's worker drives):
//! a stepped run is the CLI's run, time is the caller's clock, and the stepped ablation
//! runs the CLI's runs in the CLI's order and summarises them as Table I.

mod common;

use std::cell::Cell;
use std::sync::Arc;

use serde_json::json;
use twinnet::ablation::{self, RunResult};
use twinnet::data::pairs::Sources;
use twinnet::model::ModelConfig;
use twinnet::session::{Ablation, AblationOptions, TrainOptions, TrainingReport, TrainingRun};
use twinnet::train::{TrainConfig, TrainError};
use twinnet::weights;

fn sources() -> Sources {
    Sources::split_halves(&common::synthetic_digits(400, 3), 0)
}

/// A clock that advances by `tick` ms every time it is read.
fn ticking(tick: f64) -> impl Fn() -> f64 {
    let t = Cell::new(0.0);
    move || {
        t.set(t.get() + tick);
        t.get()
    }
}

/// Everything but the time.
fn without_time(mut r: RunResult) -> RunResult {
    r.seconds = 0.0;
    r
}

#[test]
fn a_stepped_run_is_the_cli_run() {
    let src = sources();
    let options = TrainOptions::from_json(
        &json!({"epochs": 3, "pairs": 60, "batch": 16, "seed": 5}),
        src.max_pairs(),
    )
    .unwrap();
    let mut run = TrainingRun::start(options.train_config(), &src, options.pairs).unwrap();
    // Each epoch reads the clock twice, 10 ms apart.
    let clock = ticking(10.0);
    let mut reports = Vec::new();
    while !run.is_finished() {
        reports.push(run.step(&clock).unwrap());
    }
    assert_eq!(reports.len(), 3);
    assert_eq!(
        reports
            .iter()
            .map(|r| (r.epoch, r.epochs, r.elapsed_ms))
            .collect::<Vec<_>>(),
        [(1, 3, 10.0), (2, 3, 20.0), (3, 3, 30.0)]
    );
    assert_eq!(run.reports(), &reports[..]);
    assert!(reports
        .iter()
        .all(|r| r.train_loss.is_finite() && r.test_loss.is_finite()));
    assert!(matches!(run.step(&clock), Err(TrainError::Finished(3))));

    let report = TrainingReport::of(options, &run).unwrap();
    assert_eq!((report.options, report.elapsed_ms), (options, 30.0));
    assert_eq!(report.epochs, reports);
    let stepped = run.result().unwrap();
    assert_eq!(report.final_metrics.test_error, stepped.test.error);
    assert_eq!(report.final_metrics.train_loss, stepped.train.loss);
    assert_eq!(stepped.seconds, 0.03);
    let (cli, cli_model) = ablation::run(
        options.train_config(),
        &src,
        options.pairs,
        &|| 0.0,
        &mut |_| true,
    )
    .unwrap();
    assert_eq!(without_time(stepped), without_time(cli));
    assert_eq!(
        weights::to_safetensors(run.model()).unwrap(),
        weights::to_safetensors(&cli_model).unwrap(),
        "same weights file"
    );
}

#[test]
fn a_diverging_run_says_so() {
    let src = sources();
    let options = TrainOptions::from_json(
        &json!({"epochs": 2, "pairs": 60, "lr": 1, "batch": 2}),
        src.max_pairs(),
    )
    .unwrap();
    // lr 1 with batches of two pairs: far worse than guessing within an epoch or two.
    let mut run = TrainingRun::start(options.train_config(), &src, options.pairs).unwrap();
    let outcome: Result<Vec<_>, _> = (0..2).map(|_| run.step(&|| 0.0)).collect();
    match outcome {
        Err(e @ TrainError::Diverged { .. }) => {
            assert!(e.to_string().contains("try a smaller learning rate"), "{e}")
        }
        other => panic!("expected divergence, got {other:?}"),
    }
}

#[test]
fn the_stepped_ablation_is_twinnet_ablate() {
    let src = Arc::new(sources());
    let options = AblationOptions::from_json(
        &json!({"rounds": 2, "epochs": 2, "pairs": 40, "seed": 9}),
        src.max_pairs(),
    )
    .unwrap();
    let mut ablation = Ablation::new(options, src.clone());
    let clock = ticking(1.0);
    let mut steps = Vec::new();
    while !ablation.is_finished() {
        steps.push(ablation.step(&clock).unwrap());
    }
    assert_eq!(steps.len(), 8 * 2, "8 runs of 2 epochs");
    let order: Vec<_> = steps
        .iter()
        .map(|s| {
            (
                s.config,
                s.round,
                s.run,
                s.runs,
                s.epoch.epoch,
                s.finished.is_some(),
            )
        })
        .collect();
    assert_eq!(
        order[..4],
        [
            ("none", 1, 1, 8, 1, false),
            ("none", 1, 1, 8, 2, true),
            ("share", 1, 2, 8, 1, false),
            ("share", 1, 2, 8, 2, true),
        ]
    );
    assert_eq!(order[15], ("share+aux", 2, 8, 8, 2, true));
    assert!(ablation.step(&clock).is_err(), "nothing left to run");

    // The same runs as the CLI's, seed for seed.
    for (i, result) in ablation.results().iter().enumerate() {
        let config = TrainConfig {
            epochs: 2,
            ..TrainConfig::published(ModelConfig::ALL[i % 4], ablation::round_seed(9, i / 4))
        };
        let (cli, _) = ablation::run(config, &src, 40, &|| 0.0, &mut |_| true).unwrap();
        assert_eq!(
            without_time(result.clone()),
            without_time(cli),
            "run {}",
            i + 1
        );
        let report = steps[2 * i + 1].finished.unwrap();
        assert_eq!(report.metrics.test_error, result.test.error);
        assert_eq!(report.elapsed_ms, 2.0, "two epochs of 1 ms");
    }

    let summary = ablation.summary();
    let names: Vec<_> = summary
        .iter()
        .map(|s| (s.name.as_str(), s.rounds))
        .collect();
    assert_eq!(
        names,
        [("none", 2), ("share", 2), ("aux", 2), ("share+aux", 2)]
    );
    assert_eq!(summary, ablation::summarize(ablation.results()));
    assert!(summary
        .iter()
        .all(|s| s.curves.test_error.len() == 2 && s.test_error.mean.is_finite()));
}
