//! Training on generated digits: the loss falls, runs are reproducible, and
//! divergence is an error. On the real digits file (when present) the published
//! protocol learns the task.

mod common;

use twinnet::data::pairs::Sources;
use twinnet::model::ModelConfig;
use twinnet::train::{self, TrainConfig, TrainError, Trainer};
use twinnet::weights;

fn sources() -> Sources {
    Sources::split_halves(&common::synthetic_digits(1200, 7), 0)
}

fn config(model: ModelConfig, epochs: usize, seed: u64) -> TrainConfig {
    TrainConfig {
        epochs,
        ..TrainConfig::published(model, seed)
    }
}

#[test]
fn loss_falls_and_the_task_is_learned() {
    let (train, test) = sources().pairs(300, 1).unwrap();
    let mut trainer = Trainer::new(config(ModelConfig::SHARE_AUX, 8, 1), &train, &test).unwrap();
    let first = trainer.run_epoch().unwrap();
    let mut last = first;
    while !trainer.is_finished() {
        last = trainer.run_epoch().unwrap();
    }
    assert!(
        last.train_loss < 0.5 * first.train_loss,
        "train loss {} -> {}",
        first.train_loss,
        last.train_loss
    );
    assert!(last.test.loss < first.test.loss);
    assert!(
        last.test.digit_error < 20.0,
        "digit error {}",
        last.test.digit_error
    );
    assert!(
        last.test.error_readout < 20.0,
        "readout error {}",
        last.test.error_readout
    );
    assert!(matches!(trainer.run_epoch(), Err(TrainError::Finished(8))));
}

#[test]
fn same_seed_same_run_different_seed_different_run() {
    let src = sources();
    let now = || 0.0;
    for model in [
        ModelConfig::SHARE_AUX,
        ModelConfig {
            share: false,
            aux: false,
        },
    ] {
        let (a, ma) = train::run(config(model, 3, 42), &src, 200, &now, &mut |_| true).unwrap();
        let (b, mb) = train::run(config(model, 3, 42), &src, 200, &now, &mut |_| true).unwrap();
        let (c, _) = train::run(config(model, 3, 43), &src, 200, &now, &mut |_| true).unwrap();
        assert_eq!(
            a.epochs, b.epochs,
            "{model}: metrics differ between identical runs"
        );
        assert_eq!(a.test, b.test);
        assert!(
            weights::to_safetensors(&ma).unwrap() == weights::to_safetensors(&mb).unwrap(),
            "{model}: weights differ between identical runs"
        );
        assert_ne!(
            a.epochs, c.epochs,
            "{model}: another seed gave the same run"
        );
    }
}

#[test]
fn divergence_is_an_error() {
    for lr in [10.0, 1e30] {
        for model in [
            ModelConfig::SHARE_AUX,
            ModelConfig {
                share: false,
                aux: false,
            },
        ] {
            assert_diverges(model, lr);
        }
    }
}

fn assert_diverges(model: ModelConfig, lr: f64) {
    let (train, test) = sources().pairs(200, 3).unwrap();
    let mut c = config(model, 5, 3);
    c.learning_rate = lr;
    let mut trainer = Trainer::new(c, &train, &test).unwrap();
    let mut outcome = Ok(());
    for _ in 0..5 {
        if let Err(e) = trainer.run_epoch() {
            outcome = Err(e);
            break;
        }
    }
    match outcome {
        Err(e @ TrainError::Diverged { .. }) => {
            assert!(e.to_string().contains("smaller learning rate"), "{e}")
        }
        other => panic!("{model} lr {lr}: expected divergence, got {other:?}"),
    }
}

#[test]
fn bad_settings_are_refused() {
    let (train, test) = sources().pairs(50, 3).unwrap();
    for (edit, msg) in [
        (
            Box::new(|c: &mut TrainConfig| c.epochs = 0) as Box<dyn Fn(&mut TrainConfig)>,
            "epochs",
        ),
        (
            Box::new(|c: &mut TrainConfig| c.learning_rate = -1.0),
            "learning rate",
        ),
        (
            Box::new(|c: &mut TrainConfig| c.learning_rate = f64::NAN),
            "learning rate",
        ),
        (
            Box::new(|c: &mut TrainConfig| c.batch_size = 1),
            "batch size",
        ),
    ] {
        let mut c = config(ModelConfig::SHARE_AUX, 2, 1);
        edit(&mut c);
        let e = Trainer::new(c, &train, &test).err().expect("refused");
        assert!(e.to_string().contains(msg), "{e}");
    }
}

#[test]
fn a_trailing_single_pair_is_skipped_not_fatal() {
    // 129 pairs with batch 128: the last batch would hold one pair.
    let (train, test) = sources().pairs(129, 5).unwrap();
    let mut trainer = Trainer::new(
        config(
            ModelConfig {
                share: false,
                aux: true,
            },
            1,
            5,
        ),
        &train,
        &test,
    )
    .unwrap();
    assert!(trainer.run_epoch().unwrap().train_loss.is_finite());
}

#[test]
fn weights_of_a_trained_model_round_trip_exactly() {
    let (train, test) = sources().pairs(100, 9).unwrap();
    for model in ModelConfig::ALL {
        let mut trainer = Trainer::new(config(model, 1, 9), &train, &test).unwrap();
        trainer.run_epoch().unwrap();
        let before = trainer.evaluate_test().unwrap();
        let bytes = weights::to_safetensors(trainer.model()).unwrap();
        let loaded = weights::from_safetensors(&bytes).unwrap();
        let tensors = twinnet::evaluate::PairTensors::new(&test, loaded.normalization()).unwrap();
        assert_eq!(
            twinnet::evaluate::evaluate(&loaded, &tensors).unwrap(),
            before,
            "{model}"
        );
    }
}

/// The published protocol on the real embedded digits, when the digits file has been made
/// (`scripts/fetch-data.sh`; the README's test command makes it).
#[test]
fn published_protocol_on_real_digits() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data/mnist10k.bin");
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!(
            "skipped: {} not found (run scripts/fetch-data.sh)",
            path.display()
        );
        return;
    };
    let all = twinnet::data::digits_file::decode("mnist10k.bin", &bytes).unwrap();
    assert_eq!(all.len(), 10_000);
    let src = Sources::split_halves(&all, 0);
    let now = || 0.0;
    let (r, _) = train::run(
        TrainConfig::published(ModelConfig::SHARE_AUX, 1000),
        &src,
        1000,
        &now,
        &mut |_| true,
    )
    .unwrap();
    // PyTorch on the same data: 9.2 ± 1.0 % (head), 3.3 ± 0.7 % (readout).
    assert!(r.test.error < 14.0, "head test error {}", r.test.error);
    assert!(
        r.test.error_readout < 6.0,
        "readout test error {}",
        r.test.error_readout
    );
}
