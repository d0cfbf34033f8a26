//! Builds a ziggurat DynamoDB client and calls `GetItem` once against a closed port.
use ziggurat::dynamodb::types::AttributeValue;
use ziggurat::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let config = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
        ))
        .endpoint_url("http://127.0.0.1:9")
        .build();
    let client = ziggurat::dynamodb::Client::new(&config);
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
