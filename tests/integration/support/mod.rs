pub mod peers;
pub mod s3_server;
