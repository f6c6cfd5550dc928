//! The page's example digits (`www/examples.json`, made by `twinnet examples`): held-out
//! digits, every class, a small file, and each one read as its label by the shipped model
//! when painted with the page's pen, as the page paints it.

use std::collections::BTreeSet;

use twinnet::examples::{ExampleSet, PAGE_PEN_WIDTH};
use twinnet::weights;

const SHIPPED: &[u8] = include_bytes!("../www/twinnet.safetensors");
const EXAMPLES: &str = include_str!("../www/examples.json");
const DRAW_JS: &str = include_str!("../www/draw.js");
/// `twinnet pretrain`'s default hold-out: the last 5,000 of the 60,000 training images.
const FIRST_HELD_OUT: usize = 55_000;

#[test]
fn the_examples_are_small_held_out_strokes_of_every_digit() {
    assert!(EXAMPLES.len() < 16 * 1024, "{} bytes", EXAMPLES.len());
    let set: ExampleSet = serde_json::from_str(EXAMPLES).unwrap();
    let labels: BTreeSet<u8> = set.examples.iter().map(|e| e.label).collect();
    assert_eq!(labels, (0..10).collect());
    for example in &set.examples {
        assert!(
            (FIRST_HELD_OUT..60_000).contains(&example.image),
            "image {} is not held out",
            example.image
        );
        assert!(!example.strokes.is_empty());
        for point in example.strokes.iter().flatten() {
            assert!(point.iter().all(|c| (0.0..=1.0).contains(c)), "{point:?}");
        }
    }
}

#[test]
fn the_shipped_model_reads_every_example_as_its_label() {
    let model = weights::from_safetensors(SHIPPED).unwrap();
    let set: ExampleSet = serde_json::from_str(EXAMPLES).unwrap();
    for example in &set.examples {
        assert_eq!(
            example.read_by(&model).unwrap(),
            Some(usize::from(example.label)),
            "example from image {}",
            example.image
        );
    }
}

#[test]
fn the_examples_are_checked_with_the_pages_pen() {
    let line = DRAW_JS
        .lines()
        .find(|l| l.starts_with("export const PEN_WIDTH"))
        .expect("draw.js exports PEN_WIDTH");
    let value = line
        .trim_start_matches("export const PEN_WIDTH = ")
        .trim_end_matches(';');
    let (num, den) = value.split_once(" / ").expect("PEN_WIDTH = a / b");
    let page = num.trim().parse::<f32>().unwrap() / den.trim().parse::<f32>().unwrap();
    assert_eq!(page, PAGE_PEN_WIDTH, "draw.js: {line}");
}
