//! The ablation stepped from outside (`twinnet::ablation::Ablation`, what the browser's
//! worker drives): it runs the CLI's runs (`ablation::plan`, `train::run`) in the CLI's
//! order, reports the mean curves as runs come in and summarises them as Table I.
// Native only, as common::runs is: `wasm-pack test` builds every test target for wasm32.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::runs::{small_sources as sources, ticking, without_time};

use std::sync::Arc;

use serde_json::json;
use twinnet::ablation::{self, Ablation};
use twinnet::model::ModelConfig;
use twinnet::options::AblationOptions;
use twinnet::train::{self, TrainConfig};

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
        // 40 pairs: the batch is all of them (the published 128 would be the same batches).
        let config = TrainConfig {
            epochs: 2,
            batch_size: 40,
            ..TrainConfig::published(ModelConfig::ALL[i % 4], ablation::round_seed(9, i / 4))
        };
        assert_eq!(config, ablation::plan(&options)[i]);
        let (cli, _) = train::run(config, &src, 40, &|| 0.0, &mut |_| true).unwrap();
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
    // Each run's last step carries its configuration's Table I row so far, and every
    // step the configuration's curves so far.
    let last = &steps[15];
    assert_eq!(last.row.as_ref(), Some(&summary[3]));
    assert_eq!(last.curves, summary[3].curves);
    let first_of_round_two = &steps[8];
    assert_eq!(
        (first_of_round_two.config, first_of_round_two.round),
        ("none", 2)
    );
    assert_eq!(first_of_round_two.row, None);
    let none_round_one = &ablation.results()[0].epochs;
    assert_eq!(
        first_of_round_two.curves.test_error[1],
        twinnet::stats::Stat::of([none_round_one[1].test.error as f64]),
        "epoch 2 of `none` so far: round 1 only"
    );
    assert!(summary
        .iter()
        .all(|s| s.curves.test_error.len() == 2 && s.test_error.mean.is_finite()));
}
