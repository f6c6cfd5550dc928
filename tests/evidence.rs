//! The evidence maps are faithful: blanking the pixels a map ranks most important lowers
//! the explained probability more than blanking as many inked pixels picked at random
//! (the deletion check), for the page's shipped model, on the drawings of the page's
//! parity fixture and on held-out MNIST digits (images 55,000–55,199 of the MNIST training
//! set, which `twinnet pretrain` holds out), as scans and drawn with the page's pen.

mod web_fixture;

use twinnet::data::{idx, PIXELS14};
use twinnet::drawn::{draw, SIZE_BUCKETS};
use twinnet::evidence::{evidence, log_odds, LogOdds};
use twinnet::examples::PAGE_PEN_WIDTH;
use twinnet::model::TwinNet;
use twinnet::preprocess::{network_input, pool_2x2_u8, PixelFormat};
use twinnet::rng::Rng;
use twinnet::weights;

const SHIPPED: &[u8] = include_bytes!("../www/twinnet.safetensors");
const HELDOUT_IMAGES: &[u8] = include_bytes!("fixtures/heldout/images-idx3-ubyte.gz");
/// Held-out digits used (of the fixture's 200) as scans, and again drawn with the page's pen.
const DIGITS: usize = 60;
/// Random subsets the top pixels are compared with.
const RANDOM_SUBSETS: usize = 20;

type Input = [f32; PIXELS14];

/// The drawings: the parity fixture's 3 and 8, then held-out scans, then the same
/// digits drawn with the page's pen at the drawn-digit benchmark's sizes (in turn).
fn drawings() -> Vec<Input> {
    let (three, eight) = web_fixture::drawings();
    let mut all = vec![
        network_input(&three, PixelFormat::Rgba).unwrap().unwrap(),
        network_input(&eight, PixelFormat::Rgba).unwrap().unwrap(),
    ];
    let (count, pixels) = idx::read_images("held-out images", HELDOUT_IMAGES).unwrap();
    assert!(count >= DIGITS);
    let images: Vec<&[u8]> = pixels.chunks(784).take(DIGITS).collect();
    all.extend(images.iter().map(|img| pool_2x2_u8(img)));
    for (k, img) in images.iter().enumerate() {
        let bucket = SIZE_BUCKETS[k % SIZE_BUCKETS.len()];
        let input = draw(img, k, 1000, bucket, PAGE_PEN_WIDTH).expect("a pad");
        all.push(input.expect("a drawn digit has ink"));
    }
    all
}

/// How a probability of the pair `(a, b)` falls when the pixels `blank` of side `side`
/// are blanked; `target` reads the probability off a prediction.
fn fall(
    model: &TwinNet,
    pair: (&Input, &Input),
    side: usize,
    blank: &[usize],
    target: &dyn Fn(&LogOdds) -> f64,
) -> f64 {
    let full = target(&log_odds(model, pair.0, pair.1).unwrap());
    let (mut a, mut b) = (*pair.0, *pair.1);
    let x = if side == 0 { &mut a } else { &mut b };
    for &i in blank {
        x[i] = 0.0;
    }
    full - target(&log_odds(model, &a, &b).unwrap())
}

/// Whether blanking the `k` pixels with the largest values of `map` (a fifth of the ink)
/// lowers `target` more than blanking `k` random inked pixels does (the median of
/// [`RANDOM_SUBSETS`] draws). The log-odds and the probability fall in the same order, so
/// this is the same check in either; the log-odds keep it exact when the network is sure.
fn passes(
    model: &TwinNet,
    pair: (&Input, &Input),
    side: usize,
    map: &[f32],
    target: &dyn Fn(&LogOdds) -> f64,
    rng: &mut Rng,
) -> bool {
    let input = if side == 0 { pair.0 } else { pair.1 };
    let mut inked: Vec<usize> = (0..PIXELS14).filter(|&i| input[i] > 0.0).collect();
    let k = inked.len().div_ceil(5);
    let mut ranked = inked.clone();
    ranked.sort_by(|&i, &j| map[j].total_cmp(&map[i]));
    let top = fall(model, pair, side, &ranked[..k], target);
    let mut random: Vec<f64> = (0..RANDOM_SUBSETS)
        .map(|_| {
            rng.shuffle(&mut inked);
            fall(model, pair, side, &inked[..k], target)
        })
        .collect();
    random.sort_by(f64::total_cmp);
    top > random[RANDOM_SUBSETS / 2]
}

#[test]
fn removing_the_top_pixels_lowers_the_probability_more_than_removing_random_ones() {
    let model = weights::from_safetensors(SHIPPED).unwrap();
    let drawings = drawings();
    let mut rng = Rng::new(7);
    let (mut verdict_pass, mut digit_pass, mut maps) = (0, 0, 0);
    let mut failures = Vec::new();
    for (i, pair) in drawings.chunks_exact(2).enumerate() {
        let pair = (&pair[0], &pair[1]);
        let e = evidence(&model, Some(pair.0), Some(pair.1)).unwrap();
        let sign = if log_odds(&model, pair.0, pair.1).unwrap().le >= 0.0 {
            1.0
        } else {
            -1.0
        };
        for (side, ev) in [(0, e.a.unwrap()), (1, e.b.unwrap())] {
            maps += 1;
            let verdict = move |l: &LogOdds| sign * l.le;
            let class = ev.class;
            let digit = move |l: &LogOdds| if side == 0 { l.a[class] } else { l.b[class] };
            let map = ev.verdict.as_ref().unwrap();
            if passes(&model, pair, side, map, &verdict, &mut rng) {
                verdict_pass += 1;
            } else {
                failures.push(format!("pair {i} side {side}: verdict"));
            }
            if passes(&model, pair, side, &ev.digit, &digit, &mut rng) {
                digit_pass += 1;
            } else {
                failures.push(format!("pair {i} side {side}: digit {class}"));
            }
        }
    }
    let rate = |n: usize| n as f64 / maps as f64;
    println!(
        "deletion check on {maps} drawings: verdict maps {:.1} %, digit maps {:.1} %; failed: {failures:?}",
        100.0 * rate(verdict_pass),
        100.0 * rate(digit_pass)
    );
    assert!(maps >= 50);
    assert!(rate(verdict_pass) >= 0.9, "verdict maps: {failures:?}");
    assert!(rate(digit_pass) >= 0.9, "digit maps: {failures:?}");
}
