//! Endpoints of generated clients: each service's rule set, embedded as data and interpreted
//! at run time by [`ziggurat_layers::endpoint::rules`], not compiled into code per service.
//!
//! A service crate embeds its `endpoint_rules.json` (written by the generator from the
//! model's `endpoint-rule-set-1.json`) in an [`EmbeddedRuleSet`], parsed when its first client
//! is built (a few milliseconds for S3's, the largest);
//! this crate embeds `partitions.json` once for all. [`endpoint_hook`] makes the stack's
//! `"ResolveEndpoint"` entry ([`RuleSetEndpoint`]) from a client's configuration: the
//! built-ins `AWS::UseFIPS`, `AWS::UseDualStack`, `SDK::Endpoint` (the configured endpoint
//! URL), `AWS::STS::UseGlobalEndpoint` and `AWS::Auth::AccountIdEndpointMode`, plus what the
//! service adds (S3's addressing settings), and the custom resolver of
//! [`ServiceConfig::endpoint_resolver`].
//!
//! `AWS::Auth::AccountId` is the account id of the call's credentials. The endpoint is
//! resolved in Serialize, before the credentials are (at signing, in Finalize), so a client
//! whose rule set reads the account id (DynamoDB's), and whose
//! [`account_id_endpoint_mode`](SdkConfig::account_id_endpoint_mode) is not `disabled`, has
//! one more entry, `"EndpointIdentity"`, just before `"ResolveEndpoint"`: it resolves the
//! credentials through the same provider and cache as `"GetIdentity"` (a cache hit per call
//! once they are loaded). Clients of other rule sets have no such entry and pay nothing. With
//! mode `required`, credentials that name no account fail the call with the rule set's error
//! before anything is sent.
//!
//! ```
//! use ziggurat_core::config::SdkConfig;
//! use ziggurat_core::context::Region;
//! use ziggurat_runtime::endpoint::EmbeddedRuleSet;
//!
//! static RULES: EmbeddedRuleSet = EmbeddedRuleSet::new(r#"{"version": "1.0",
//!   "parameters": {"Region": {"type": "string", "builtIn": "AWS::Region", "required": true}},
//!   "rules": [{"conditions": [], "type": "endpoint",
//!              "endpoint": {"url": "https://svc.{Region}.example.com"}}]}"#);
//! assert_eq!(RULES.rule_set()?.parameters().len(), 1);
//! let sdk = SdkConfig::builder().region(Region::from_static("eu-west-1")).build();
//! let config = ziggurat_runtime::ServiceConfig::new(&sdk);
//! let hook = ziggurat_runtime::endpoint::endpoint_hook(&RULES, "Svc", "svc", &config, Default::default())?;
//! # let _ = hook;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
use std::fmt;
use std::sync::OnceLock;

use ziggurat_core::config::{SdkConfig, StsRegionalEndpoints};
use ziggurat_layers::endpoint::resolver::RuleSetResolver;
use ziggurat_layers::endpoint::rules::{Partitions, RuleSet};
use ziggurat_layers::endpoint::{ACCOUNT_ID_ENDPOINT_MODE, ClientEndpointParams, RuleSetEndpoint};

use crate::ServiceConfig;

/// `partitions.json`, as the generator wrote it (compact).
const PARTITIONS_JSON: &str = include_str!("partitions.json");

/// The partitions `aws.partition` reads, parsed when the first client is built.
pub fn partitions() -> Result<&'static Partitions, &'static str> {
    static PARSED: OnceLock<Result<Partitions, String>> = OnceLock::new();
    PARSED
        .get_or_init(|| Partitions::from_json(PARTITIONS_JSON).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(String::as_str)
}

/// A service's endpoint rule set, embedded as JSON text and parsed once, at its first use.
pub struct EmbeddedRuleSet {
    json: &'static str,
    parsed: OnceLock<Result<RuleSet, String>>,
}

impl EmbeddedRuleSet {
    /// The rule set whose JSON is `json` (`include_str!("endpoint_rules.json")`).
    pub const fn new(json: &'static str) -> Self {
        EmbeddedRuleSet {
            json,
            parsed: OnceLock::new(),
        }
    }

    /// The parsed rule set (parsed by the first caller).
    pub fn rule_set(&'static self) -> Result<&'static RuleSet, &'static str> {
        self.parsed
            .get_or_init(|| RuleSet::from_json(self.json).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }

    /// The rule set with the partitions: the default resolver, which a custom one may wrap.
    pub fn resolver(&'static self) -> Result<RuleSetResolver, &'static str> {
        Ok(RuleSetResolver::new(self.rule_set()?, partitions()?))
    }
}

impl fmt::Debug for EmbeddedRuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmbeddedRuleSet")
            .field("bytes", &self.json.len())
            .field("parsed", &self.parsed.get().is_some())
            .finish()
    }
}

/// The built-ins every AWS client sets from [`SdkConfig`]: FIPS and dual-stack endpoints,
/// the configured endpoint URL of `service_id`, STS's legacy global endpoint, and the
/// account-id endpoint mode (`AWS::Auth::AccountIdEndpointMode`; DynamoDB's rule set reads
/// it, others ignore it).
pub fn client_params(sdk: &SdkConfig, service_id: &str) -> ClientEndpointParams {
    let mut params = ClientEndpointParams::new();
    if let Some(fips) = sdk.use_fips() {
        params = params.built_in("AWS::UseFIPS", fips);
    }
    if let Some(dual) = sdk.use_dual_stack() {
        params = params.built_in("AWS::UseDualStack", dual);
    }
    if let Some(url) = sdk.endpoint_url_for(service_id) {
        params = params.built_in("SDK::Endpoint", url);
    }
    if sdk.sts_regional_endpoints() == StsRegionalEndpoints::Legacy {
        params = params.built_in("AWS::STS::UseGlobalEndpoint", true);
    }
    params.built_in(
        ACCOUNT_ID_ENDPOINT_MODE,
        sdk.account_id_endpoint_mode().as_str(),
    )
}

/// The `"ResolveEndpoint"` entry of a client of `service_id` (signing for `signing_name`):
/// `rules` with the configuration's built-ins, `extra` (a service's own settings, which win)
/// and its custom resolver. Fails when the rule set, the partitions or the configured endpoint
/// URL are invalid.
pub fn endpoint_hook(
    rules: &'static EmbeddedRuleSet,
    service_id: &str,
    signing_name: &'static str,
    config: &ServiceConfig,
    extra: ClientEndpointParams,
) -> Result<RuleSetEndpoint, String> {
    let sdk = config.sdk_config();
    // The endpoint URL is checked here, so a bad one fails every call with a clear error.
    crate::base_endpoint(sdk, service_id)?;
    let resolver = rules
        .resolver()
        .map_err(|e| format!("{service_id}'s endpoint rules: {e}"))?;
    let params = client_params(sdk, service_id).extend(extra);
    Ok(RuleSetEndpoint::new(resolver, signing_name)
        .with_client_params(&params)
        .with_resolver(config.endpoint_resolver.clone()))
}
