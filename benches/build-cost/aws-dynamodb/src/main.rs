//! Builds an aws-sdk-dynamodb client (no aws-config: fixed region, credentials and endpoint)
//! and calls `GetItem` once against a closed port.
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::AttributeValue;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
            None,
            "static",
        ))
        .endpoint_url("http://127.0.0.1:9")
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    let result = client
        .get_item()
        .table_name("users")
        .key("pk", AttributeValue::S("user#1".into()))
        .send()
        .await;
    println!(
        "get_item: {}",
        if result.is_ok() {
            "ok"
        } else {
            "error (expected)"
        }
    );
}
