//! Builds a client of every ziggurat service and calls one operation of each once against a
//! closed port, so that no service's code is left out of the binary.
use ziggurat::dynamodb::types::AttributeValue;
use ziggurat::prelude::*;

fn report<T, E>(name: &str, result: Result<T, E>) {
    println!(
        "{name}: {}",
        if result.is_ok() {
            "ok"
        } else {
            "error (expected)"
        }
    );
}

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
    let dynamodb = ziggurat::dynamodb::Client::new(&config);
    report(
        "dynamodb get_item",
        dynamodb
            .get_item()
            .table_name("users")
            .key("pk", AttributeValue::S("user#1".into()))
            .send()
            .await,
    );
    report(
        "sqs list_queues",
        ziggurat::sqs::Client::new(&config)
            .list_queues()
            .send()
            .await,
    );
    report(
        "sts get_caller_identity",
        ziggurat::sts::Client::new(&config)
            .get_caller_identity()
            .send()
            .await,
    );
    report(
        "sns list_topics",
        ziggurat::sns::Client::new(&config)
            .list_topics()
            .send()
            .await,
    );
    report(
        "lambda list_functions",
        ziggurat::lambda::Client::new(&config)
            .list_functions()
            .send()
            .await,
    );
    report(
        "sso list_accounts",
        ziggurat::sso::Client::new(&config)
            .list_accounts()
            .access_token("token")
            .send()
            .await,
    );
    report(
        "ssooidc register_client",
        ziggurat::ssooidc::Client::new(&config)
            .register_client()
            .client_name("bench")
            .client_type("public")
            .send()
            .await,
    );
    report(
        "s3 list_objects_v2",
        ziggurat::s3::Client::new(&config)
            .list_objects_v2()
            .bucket("bucket")
            .send()
            .await,
    );
}
