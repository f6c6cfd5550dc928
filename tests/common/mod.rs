//! Test data made on the spot: seven-segment digits with random stroke width,
//! position and noise — learnable like MNIST, but needing no download.
#![allow(dead_code)]

#[cfg(all(feature = "training", not(target_arch = "wasm32")))]
pub mod runs;

use twinnet::data::{DigitSet, PIXELS28, SIDE28};
use twinnet::rng::Rng;

/// Segments a..g of each digit on a seven-segment display.
const SEGMENTS: [[bool; 7]; 10] = [
    [true, true, true, true, true, true, false],
    [false, true, true, false, false, false, false],
    [true, true, false, true, true, false, true],
    [true, true, true, true, false, false, true],
    [false, true, true, false, false, true, true],
    [true, false, true, true, false, true, true],
    [true, false, true, true, true, true, true],
    [true, true, true, false, false, false, false],
    [true, true, true, true, true, true, true],
    [true, true, true, true, false, true, true],
];

/// A 28×28 seven-segment image of `digit`, jittered by `rng`.
pub fn seven_segment(digit: u8, rng: &mut Rng) -> [u8; PIXELS28] {
    let mut img = [0u8; PIXELS28];
    let x0 = 7 + rng.below(5) as i32; // left edge
    let y0 = 3 + rng.below(4) as i32; // top edge
    let (w, h) = (10 + rng.below(3) as i32, 18 + rng.below(3) as i32);
    let t = 2 + rng.below(2) as i32; // stroke thickness
    let mid = y0 + h / 2;
    // (x1, y1, x2, y2) rectangles of segments a..g
    let rects = [
        (x0, y0, x0 + w, y0 + t),
        (x0 + w - t, y0, x0 + w, mid),
        (x0 + w - t, mid, x0 + w, y0 + h),
        (x0, y0 + h - t, x0 + w, y0 + h),
        (x0, mid, x0 + t, y0 + h),
        (x0, y0, x0 + t, mid),
        (x0, mid - t / 2, x0 + w, mid - t / 2 + t),
    ];
    for (seg, &(x1, y1, x2, y2)) in rects.iter().enumerate() {
        if !SEGMENTS[digit as usize][seg] {
            continue;
        }
        for y in y1.max(0)..y2.min(SIDE28 as i32) {
            for x in x1.max(0)..x2.min(SIDE28 as i32) {
                img[y as usize * SIDE28 + x as usize] = 200 + rng.below(56) as u8;
            }
        }
    }
    for _ in 0..6 {
        let i = rng.below(PIXELS28 as u64) as usize;
        img[i] = img[i].saturating_add(rng.below(80) as u8);
    }
    img
}

/// `n` seven-segment digits, classes cycling 0..9.
pub fn synthetic_digits(n: usize, seed: u64) -> DigitSet {
    let mut rng = Rng::new(seed);
    let mut pixels = Vec::with_capacity(n * PIXELS28);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let d = (i % 10) as u8;
        pixels.extend_from_slice(&seven_segment(d, &mut rng));
        labels.push(d);
    }
    DigitSet::new(pixels, labels).expect("consistent sizes")
}

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("twinnet-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
