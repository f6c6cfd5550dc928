//! The ablation as the page's pool of training workers runs it: each run of the plan
//! started on its own (`twinnet::ablation::PlannedRun`), any number at once, finishing in any
//! order, recorded in `ablation::Results`. The runs are the CLI's (`ablation::plan`,
//! `train::run`), and Table I does not depend on the order they finished in.
// Native only, as common::runs is: `wasm-pack test` builds every test target for wasm32.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::runs::{small_sources as sources, ticking, without_time};

use serde_json::json;
use twinnet::ablation::{self, FinishedRun, PlannedRun, Results};
use twinnet::model::ModelConfig;
use twinnet::options::AblationOptions;
use twinnet::train::{self, TrainConfig};

/// Trains the runs `order` of `options`' plan as `workers` workers would: each worker takes
/// the next run of `order` when it has finished one, and the workers take turns an epoch
/// at a time. Returns the runs in the order they finished.
fn pool(
    options: &AblationOptions,
    src: &twinnet::data::pairs::Sources,
    order: &[usize],
    workers: usize,
) -> Vec<FinishedRun> {
    let clock = ticking(1.0);
    let mut queue = order.iter().copied();
    let mut busy: Vec<Option<PlannedRun>> = (0..workers).map(|_| None).collect();
    let mut finished = Vec::new();
    loop {
        for slot in busy.iter_mut() {
            if slot.is_none() {
                *slot = queue
                    .next()
                    .map(|i| PlannedRun::start(options, src, i).unwrap());
            }
        }
        if busy.iter().all(Option::is_none) {
            return finished;
        }
        for slot in busy.iter_mut() {
            if let Some(run) = slot {
                run.step(&clock).unwrap();
                if run.is_finished() {
                    finished.push(run.finish().unwrap());
                    *slot = None;
                }
            }
        }
    }
}

#[test]
fn the_pools_runs_are_twinnet_ablates_and_their_order_does_not_change_table_one() {
    let src = sources();
    let options = AblationOptions::from_json(
        &json!({"rounds": 2, "epochs": 2, "pairs": 40, "seed": 9}),
        src.max_pairs(),
    )
    .unwrap();
    let plan = ablation::plan(&options);

    // One worker in the plan's order, and three taking the runs backwards.
    let one = pool(&options, &src, &(0..8).collect::<Vec<_>>(), 1);
    let three = pool(&options, &src, &(0..8).rev().collect::<Vec<_>>(), 3);
    let order: Vec<_> = three.iter().map(|r| r.index).collect();
    assert_ne!(order, (0..8).collect::<Vec<_>>(), "finished out of order");

    // Each run is the CLI's, seed for seed, whoever trained it.
    for run in &one {
        let i = run.index;
        // 40 pairs: the batch is all of them (the published 128 would be the same batches).
        let config = TrainConfig {
            epochs: 2,
            batch_size: 40,
            ..TrainConfig::published(ModelConfig::ALL[i % 4], ablation::round_seed(9, i / 4))
        };
        assert_eq!(config, plan[i]);
        let (cli, _) = train::run(config, &src, 40, &|| 0.0, &mut |_| true).unwrap();
        assert_eq!(
            without_time(run.result.clone()),
            without_time(cli),
            "run {i}"
        );
        assert_eq!(run.result.elapsed_ms, 2.0, "two epochs of 1 ms");
        let other = three.iter().find(|r| r.index == i).unwrap();
        assert_eq!(
            without_time(other.result.clone()),
            without_time(run.result.clone()),
            "run {i} with three workers"
        );
    }

    let record = |runs: Vec<FinishedRun>| {
        let mut results = Results::new(options);
        for run in runs {
            results.insert(run).unwrap();
        }
        assert!(results.is_complete());
        results
    };
    let (a, b) = (record(one), record(three));
    let table = a.summary();
    assert_eq!(
        table
            .iter()
            .map(|s| (s.name.as_str(), s.rounds))
            .collect::<Vec<_>>(),
        [("none", 2), ("share", 2), ("aux", 2), ("share+aux", 2)]
    );
    assert_eq!(b.summary(), table, "Table I is the same whatever the order");
    let cli: Vec<_> = a.finished().cloned().collect();
    assert_eq!(ablation::summarize(&cli), table, "and twinnet ablate's");
    assert!(table
        .iter()
        .all(|s| s.curves.test_error.len() == 2 && s.test_error.mean.is_finite()));
}

#[test]
fn a_run_outside_the_plan_is_refused_with_the_plans_range() {
    let src = sources();
    let options = AblationOptions::from_json(
        &json!({"rounds": 1, "epochs": 1, "pairs": 40}),
        src.max_pairs(),
    )
    .unwrap();
    let err = PlannedRun::start(&options, &src, 4)
        .err()
        .unwrap()
        .to_string();
    assert_eq!(
        err,
        "run 4 is not in this ablation: its runs are 0 to 3 (1 rounds × 4 configurations)"
    );
}
