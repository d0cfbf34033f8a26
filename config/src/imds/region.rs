//! [`ImdsRegionProvider`]: the instance's region, from `/latest/meta-data/placement/region`.
use super::{Client, ImdsError, Kind};
use ziggurat_core::context::Region;

const REGION_PATH: &str = "/latest/meta-data/placement/region";

/// Reads the region the instance runs in from IMDS, the last resort of the SDKs' region
/// chain.
///
/// ```no_run
/// use ziggurat_config::imds::{Client, ImdsRegionProvider};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let region = ImdsRegionProvider::new(Client::builder().build()).region().await;
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ImdsRegionProvider {
    client: Client,
}

impl ImdsRegionProvider {
    /// A provider asking `client`.
    pub fn new(client: Client) -> Self {
        ImdsRegionProvider { client }
    }

    /// The region.
    pub async fn region(&self) -> Result<Region, ImdsError> {
        let text = self.client.get(REGION_PATH).await?;
        let region = text.trim();
        let valid = !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !valid {
            return Err(ImdsError {
                kind: Kind::InvalidResponse(format!("`{region}` is not a region name")),
            });
        }
        Ok(Region::new(region.to_owned()))
    }
}
