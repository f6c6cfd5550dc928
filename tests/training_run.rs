//! A training run stepped from outside (`twinnet::train::TrainingRun`, what the browser's
//! worker drives): a stepped run is the CLI's run (`train::run`), and time is the
//! caller's clock.
// Native only, as common::runs is: `wasm-pack test` builds every test target for wasm32.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::runs::{small_sources as sources, ticking, without_time};

use serde_json::json;
use twinnet::options::TrainOptions;
use twinnet::train::{self, TrainConfig, TrainError, TrainingReport, TrainingRun};
use twinnet::weights;

#[test]
fn a_stepped_run_is_the_cli_run() {
    let src = sources();
    let options = TrainOptions::from_json(
        &json!({"epochs": 3, "pairs": 60, "batch": 16, "seed": 5}),
        src.max_pairs(),
    )
    .unwrap();
    let mut run = TrainingRun::start(TrainConfig::of(&options), &src, options.pairs).unwrap();
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
    // The result's test evaluation is the last epoch's, and that of the model as it stands.
    assert_eq!(stepped.test, run.metrics()[2].test);
    assert_eq!(stepped.test, run.evaluate_test().unwrap());
    assert_eq!(report.final_metrics.test_error, stepped.test.error);
    assert_eq!(report.final_metrics.train_loss, stepped.train.loss);
    assert_eq!(stepped.elapsed_ms, 30.0);
    let (cli, cli_model) = train::run(
        TrainConfig::of(&options),
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
    let mut run = TrainingRun::start(TrainConfig::of(&options), &src, options.pairs).unwrap();
    let outcome: Result<Vec<_>, _> = (0..2).map(|_| run.step(&|| 0.0)).collect();
    match outcome {
        Err(e @ TrainError::Diverged { .. }) => {
            assert!(e.to_string().contains("try a smaller learning rate"), "{e}")
        }
        other => panic!("expected divergence, got {other:?}"),
    }
}
