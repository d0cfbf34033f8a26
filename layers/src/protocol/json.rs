//! The JSON codec: a [`ShapeSerializer`](ziggurat_core::schema::ser::ShapeSerializer) and a
//! [`ShapeDeserializer`](ziggurat_core::schema::de::ShapeDeserializer) for awsJson and
//! restJson bodies.
