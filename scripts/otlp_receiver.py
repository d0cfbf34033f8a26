"""A loopback OTLP/HTTP receiver for the tests: `otlp_receiver.py PORT`.

Accepts POST /v1/traces and /v1/metrics (protobuf, gzip or not), decodes them with
the reference definitions (PyPI opentelemetry-proto) and keeps them in memory; serves what it
received, flattened to plain JSON, on GET /received (`?service=NAME` keeps the resources whose
service.name is NAME). GET / answers "ok", for readiness. Binds 127.0.0.1 only.
"""
import gzip
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

lock = threading.Lock()
spans = []
metrics = []


def value(v):
    kind = v.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [value(x) for x in v.array_value.values]
    if kind == "kvlist_value":
        return attributes(v.kvlist_value.values)
    if kind == "bytes_value":
        return v.bytes_value.hex()
    return getattr(v, kind)


def attributes(kvs):
    return {kv.key: value(kv.value) for kv in kvs}


def service_of(resource):
    return attributes(resource.attributes).get("service.name", "")


def on_traces(request):
    out = []
    for rs in request.resource_spans:
        service = service_of(rs.resource)
        for ss in rs.scope_spans:
            for s in ss.spans:
                out.append({
                    "service": service,
                    "scope": ss.scope.name,
                    "name": s.name,
                    "kind": trace_pb2.Span.SpanKind.Name(s.kind),
                    "traceId": s.trace_id.hex(),
                    "spanId": s.span_id.hex(),
                    "parentSpanId": s.parent_span_id.hex(),
                    "attributes": attributes(s.attributes),
                    "status": {
                        "code": trace_pb2.Status.StatusCode.Name(s.status.code),
                        "message": s.status.message,
                    },
                })
    with lock:
        spans.extend(out)


def number(p):
    kind = p.WhichOneof("value")
    return getattr(p, kind) if kind else None


def on_metrics(request):
    out = []
    for rm in request.resource_metrics:
        service = service_of(rm.resource)
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                kind = m.WhichOneof("data")
                data = getattr(m, kind) if kind else None
                points = []
                for p in (data.data_points if data is not None else []):
                    point = {"attributes": attributes(p.attributes)}
                    if kind in ("histogram", "exponential_histogram"):
                        point["count"] = p.count
                        point["sum"] = p.sum
                    else:
                        point["value"] = number(p)
                    points.append(point)
                out.append({
                    "service": service,
                    "scope": sm.scope.name,
                    "name": m.name,
                    "unit": m.unit,
                    "description": m.description,
                    "type": kind,
                    "points": points,
                })
    with lock:
        metrics.extend(out)


ROUTES = {
    "/v1/traces": (trace_service_pb2.ExportTraceServiceRequest,
                   trace_service_pb2.ExportTraceServiceResponse, on_traces),
    "/v1/metrics": (metrics_service_pb2.ExportMetricsServiceRequest,
                    metrics_service_pb2.ExportMetricsServiceResponse, on_metrics),
}


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, body, content_type):
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        route = ROUTES.get(urlparse(self.path).path)
        if route is None:
            return self.reply(404, b"not found", "text/plain")
        request_type, response_type, handle = route
        if not self.headers.get("content-type", "").startswith("application/x-protobuf"):
            return self.reply(415, b"only application/x-protobuf", "text/plain")
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        try:
            if self.headers.get("content-encoding", "") == "gzip":
                body = gzip.decompress(body)
            handle(request_type.FromString(body))
        except Exception as e:  # a bad request is the exporter's bug: say what it was
            return self.reply(400, f"cannot decode: {e}".encode(), "text/plain")
        return self.reply(200, response_type().SerializeToString(), "application/x-protobuf")

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/":
            return self.reply(200, b"ok", "text/plain")
        if url.path != "/received":
            return self.reply(404, b"not found", "text/plain")
        service = parse_qs(url.query).get("service", [None])[0]
        keep = (lambda x: True) if service is None else (lambda x: x["service"] == service)
        with lock:
            body = {"spans": [s for s in spans if keep(s)],
                    "metrics": [m for m in metrics if keep(m)]}
        self.reply(200, json.dumps(body).encode(), "application/json")

    def log_message(self, format, *args):
        sys.stderr.write("otlp_receiver: " + (format % args) + "\n")


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
