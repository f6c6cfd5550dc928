//! Synthetic MNIST-like digits (a 7, 0, 4 and 2 painted with a round pen, and bars)
//! for the tests of [`super`]'s stages.

use super::geometry::Point;
use super::render::render;
use crate::preprocess::{PIXELS28, SIDE28};

/// A 28×28 MNIST-like digit: polylines in 28×28 pixel coordinates painted with an
/// anti-aliased round pen of `width` pixels.
pub(super) fn synthetic(strokes: &[&[Point]], width: f32) -> Vec<u8> {
    let mut segments = Vec::new();
    for stroke in strokes {
        if stroke.len() == 1 {
            segments.push((stroke[0], stroke[0]));
        }
        for pair in stroke.windows(2) {
            segments.push((pair[0], pair[1]));
        }
    }
    render(&segments, width, SIDE28)
        .iter()
        .map(|&v| (v * 255.0).round() as u8)
        .collect()
}

pub(super) fn seven() -> Vec<u8> {
    synthetic(
        &[&[(7.0, 6.0), (21.0, 6.0), (16.0, 14.0), (12.0, 23.0)]],
        3.2,
    )
}

pub(super) fn zero() -> Vec<u8> {
    let ring: Vec<Point> = (0..=40)
        .map(|i| {
            let t = i as f32 / 40.0 * std::f32::consts::TAU;
            (14.0 + 5.5 * t.cos(), 14.0 + 9.0 * t.sin())
        })
        .collect();
    synthetic(&[&ring], 3.5)
}

pub(super) fn four() -> Vec<u8> {
    synthetic(
        &[
            &[(15.0, 4.5), (7.0, 17.0), (21.0, 17.0)],
            &[(17.0, 10.0), (17.0, 24.0)],
        ],
        3.0,
    )
}

pub(super) fn two() -> Vec<u8> {
    synthetic(
        &[&[
            (8.0, 9.0),
            (10.0, 6.0),
            (14.0, 5.0),
            (18.0, 6.5),
            (19.0, 10.0),
            (16.0, 15.0),
            (8.0, 23.0),
            (21.0, 23.0),
        ]],
        2.8,
    )
}

pub(super) fn digits() -> Vec<(&'static str, Vec<u8>)> {
    vec![("7", seven()), ("0", zero()), ("4", four()), ("2", two())]
}

/// Rectangle `[x0, x1) × [y0, y1)` of full ink on a 28×28 image.
pub(super) fn bar(x0: usize, x1: usize, y0: usize, y1: usize) -> Vec<u8> {
    let mut img = vec![0u8; PIXELS28];
    for y in y0..y1 {
        for x in x0..x1 {
            img[y * SIDE28 + x] = 255;
        }
    }
    img
}
