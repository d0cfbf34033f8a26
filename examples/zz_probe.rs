use ziggurat::dynamodb::{AttributeValue, Client};
use ziggurat::error::SdkError;
use ziggurat::hook::{HttpRequest, RequestHook};
use ziggurat::stack::{Middleware, Position};
#[derive(Debug)]
struct Show;
impl RequestHook for Show {
    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        for (n, v) in req.headers() {
            println!("{n}: {:?} ({} bytes)", v, v.len());
        }
        println!("uri {}", req.uri());
        Ok(())
    }
}
fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let conf = ziggurat::config::SdkConfig::builder()
        .region(ziggurat::context::Region::from_static("us-east-1"))
        .credentials(ziggurat::credentials::Credentials::new(
            "AKIDEXAMPLE",
            "B",
            None,
        ))
        .http_client(
            ziggurat::transport::TestTransport::always_response(http::Response::new(
                bytes::Bytes::from_static(b"{}"),
            ))
            .into_http_client(),
        )
        .build();
    let client = Client::new(&conf);
    let _ = rt.block_on(
        client
            .get_item()
            .table_name("users")
            .key("pk", AttributeValue::S("user#1".into()))
            .customize(|o| {
                o.stack(|s| {
                    s.finalize_mut()
                        .add("show", Middleware::request_hook(Show), Position::After)
                        .map(|_| ())
                })
            })
            .send(),
    );
}
