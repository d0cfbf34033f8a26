//! Loading a config file of 200 profiles (and a credentials file) and resolving one
//! role-chained profile's settings: ziggurat-config against aws-config's profile parser,
//! interleaved in rounds (order reversed every other round); prints the median of per-round
//! ratios.
//!
//! ziggurat: `ProfileFiles::load` + `ProfileChain::resolve_profile` + the profile's `region`.
//! aws-config: `aws_config::profile::load` + the same walk through `source_profile` by hand
//! (its chain resolution is private) + `region`.
use std::hint::black_box;
use std::time::{Duration, Instant};

fn files() -> (String, String) {
    let mut config = String::from("[default]\nregion = us-east-1\n\n");
    for i in 0..200 {
        config.push_str(&format!(
            "[profile p{i}]\nregion = eu-west-{}\noutput = json\nmax_attempts = 3\n# a comment\ns3 =\n  addressing_style = path\n",
            i % 3 + 1
        ));
        // p199 -> p198 -> p197 -> p196 -> base (static keys in the credentials file).
        if i >= 196 {
            let source = if i == 196 { "base".to_owned() } else { format!("p{}", i - 1) };
            config.push_str(&format!(
                "role_arn = arn:aws:iam::123456789012:role/r{i}\nsource_profile = {source}\n"
            ));
        }
        config.push('\n');
    }
    let credentials = "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = secret\n".to_owned();
    (config, credentials)
}

fn ours(config: &str, credentials: &str) -> (String, usize) {
    use ziggurat_config::profile::{ProfileChain, ProfileFiles};
    use ziggurat_config::{Env, Fs};
    let env = Env::from_pairs([("HOME", "/home/b"), ("AWS_PROFILE", "p199")]);
    let fs = Fs::from_pairs([
        ("/home/b/.aws/config", config),
        ("/home/b/.aws/credentials", credentials),
    ]);
    let set = ProfileFiles::new().load(&env, &fs).expect("ours: load");
    let chain = ProfileChain::resolve_profile(&set, "p199").expect("ours: chain");
    let region = set.selected().and_then(|p| p.get("region")).unwrap_or_default().to_owned();
    (region, chain.roles().len())
}

async fn theirs(config: &str, credentials: &str) -> (String, usize) {
    use aws_types::os_shim_internal::{Env, Fs};
    let env = Env::from_slice(&[("HOME", "/home/b"), ("AWS_PROFILE", "p199")]);
    let fs = Fs::from_slice(&[
        ("/home/b/.aws/config", config),
        ("/home/b/.aws/credentials", credentials),
    ]);
    let set = aws_config::profile::load(&fs, &env, &Default::default(), None)
        .await
        .expect("aws: load");
    let selected = set.get_profile(set.selected_profile()).expect("aws: profile");
    let region = selected.get("region").unwrap_or_default().to_owned();
    let mut roles = 0;
    let mut profile = selected;
    while let (Some(_arn), Some(source)) = (profile.get("role_arn"), profile.get("source_profile")) {
        roles += 1;
        profile = set.get_profile(source).expect("aws: source profile");
    }
    (region, roles)
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let (config, credentials) = files();
    let a = ours(&config, &credentials);
    let b = rt.block_on(theirs(&config, &credentials));
    assert_eq!(a, b, "both sides must read the same settings");
    println!("config: {} bytes, 200 profiles; chain of {} roles; region {}", config.len(), a.1, a.0);
    let n = 50;
    let time_ours = || {
        let start = Instant::now();
        for _ in 0..n {
            black_box(ours(black_box(&config), &credentials));
        }
        start.elapsed()
    };
    let time_theirs = || {
        let start = Instant::now();
        for _ in 0..n {
            black_box(rt.block_on(theirs(black_box(&config), &credentials)));
        }
        start.elapsed()
    };
    time_ours();
    time_theirs();
    let mut ratios = Vec::new();
    let (mut best_o, mut best_t) = (Duration::MAX, Duration::MAX);
    for round in 0..21 {
        let (o, t) = if round % 2 == 0 {
            let o = time_ours();
            (o, time_theirs())
        } else {
            let t = time_theirs();
            (time_ours(), t)
        };
        best_o = best_o.min(o / n);
        best_t = best_t.min(t / n);
        ratios.push(o.as_secs_f64() / t.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    println!("ziggurat-config: best {best_o:?} per load; aws-config: best {best_t:?} per load");
    println!("median of 21 per-round ratios, ziggurat / aws-config: {:.2}x", ratios[ratios.len() / 2]);
}
