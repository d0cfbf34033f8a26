//! Amazon DynamoDB (awsJson1_0).
