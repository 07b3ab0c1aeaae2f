// Package restproxy implements the produce part of the Confluent REST
// Proxy v2 API over a kafkawasm producer:
//
//	POST /topics/{topic}
//	Content-Type: application/vnd.kafka.json.v2+json     (values are JSON)
//	              application/vnd.kafka.binary.v2+json   (base64 key/value)
//	              application/json                       (like json.v2)
//	{"records": [{"key": …, "value": …, "partition": n}, …]}
//
// The answer comes after the broker acknowledged (or failed) every record:
//
//	200 {"key_schema_id": null, "value_schema_id": null,
//	     "offsets": [{"partition": 2, "offset": 17, "error_code": null, "error": null},
//	                 {"partition": null, "offset": null, "error_code": 50002, "error": "…"}]}
//
// A record that fails (too large, refused by a plugin, broker error)
// fails alone, in its offsets entry: error_code 50003 for retriable Kafka
// errors (and timeouts), 40101 / 40301 for authentication / authorization
// failures, 50002 for the others, as Confluent's proxy does.
//
// Whole-request errors use REST Proxy's body {"error_code": n, "message": …},
// following Confluent's rest-utils conventions:
//
//	400 / 400    the body is not JSON, or a field has the wrong JSON type
//	422 / 422    valid JSON that breaks a constraint: no records, a key or
//	             value that is not valid base64 (binary format)
//	404 / 40401  the topic does not exist (and the broker does not create it)
//	404 / 40402  a record names a partition the topic does not have
//	403 / 40301  the broker denies access to the topic
//	413 / 413    the body is larger than the configured limit
//	415 / 415    an unsupported Content-Type
//	503 / 503    shutting down, or the cluster cannot be reached
//
// In the json formats a key or value is written as its JSON text (a string
// keeps its quotes, as with Confluent's proxy); a topic with a value codec
// receives that text. In the binary format they are the base64-decoded bytes.
package restproxy

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/kafkawasm/kafkawasm/kafka"
)

// Content types.
const (
	ContentTypeJSON    = "application/vnd.kafka.json.v2+json"
	ContentTypeBinary  = "application/vnd.kafka.binary.v2+json"
	ContentTypeV2      = "application/vnd.kafka.v2+json"
	ContentTypePlain   = "application/json"
	DefaultMaxBodySize = 16 << 20
)

// Error codes of the whole-request error body.
const (
	CodeBadRequest        = 400
	CodeTopicNotFound     = 40401
	CodePartitionNotFound = 40402
	CodeTooLarge          = 413
	CodeUnsupportedMedia  = 415
	CodeUnprocessable     = 422
	CodeNotAuthenticated  = 40101 // per record: SASL authentication failed
	CodeNotAuthorized     = 40301
	CodeUnavailable       = 503
	CodeKafkaError        = 50002 // per record: non-retriable Kafka error
	CodeKafkaRetriable    = 50003 // per record: retriable Kafka error
)

// ErrUnknownTopic is returned by Backend.Partitions for a topic that does
// not exist.
var ErrUnknownTopic = errors.New("topic not found")

// ErrUnavailable is returned by Backend methods while shutting down.
var ErrUnavailable = errors.New("service unavailable")

// Backend is the producer side of the proxy. Its methods are called
// concurrently by request goroutines.
type Backend interface {
	// Partitions returns the topic's partition count, ErrUnknownTopic,
	// or another error (the cluster is unreachable, ...).
	Partitions(ctx context.Context, topic string) (int, error)
	// Produce sends msgs to topic and waits for every record's result.
	Produce(ctx context.Context, topic string, msgs []kafka.Message) ([]kafka.SendResult, error)
}

// Observer is told about every answered request and its records.
type Observer interface {
	HTTPRequest(route string, code int, d time.Duration)
	RecordsDone(topic string, results []kafka.SendResult)
}

// Handler serves POST /topics/{topic}.
type Handler struct {
	Backend     Backend
	MaxBodySize int64 // DefaultMaxBodySize when 0
	Observer    Observer
	Logger      *slog.Logger
}

// errorBody is REST Proxy's error entity.
type errorBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// Offset is one record's entry in the produce response.
type Offset struct {
	Partition *int32  `json:"partition"`
	Offset    *int64  `json:"offset"`
	ErrorCode *int    `json:"error_code"`
	Error     *string `json:"error"`
}

// Response is the produce response.
type Response struct {
	KeySchemaID   *int     `json:"key_schema_id"`
	ValueSchemaID *int     `json:"value_schema_id"`
	Offsets       []Offset `json:"offsets"`
}

// request is the produce request body; key and value are kept raw.
type request struct {
	Records []struct {
		Key       json.RawMessage `json:"key"`
		Value     json.RawMessage `json:"value"`
		Partition *int32          `json:"partition"`
	} `json:"records"`
}

type httpError struct {
	status, code int
	msg          string
}

func (e *httpError) Error() string { return e.msg }

func fail(status, code int, format string, args ...any) *httpError {
	return &httpError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

// ServeHTTP implements http.Handler; mount it at "POST /topics/{topic}".
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	status, topic, results := h.serve(w, r)
	if h.Observer != nil {
		h.Observer.HTTPRequest("/topics", status, time.Since(start))
		if results != nil {
			h.Observer.RecordsDone(topic, results)
		}
	}
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) (int, string, []kafka.SendResult) {
	topic := r.PathValue("topic")
	binary, herr := format(r.Header.Get("Content-Type"))
	if herr == nil {
		herr = validTopic(topic)
	}
	var msgs []kafka.Message
	if herr == nil {
		msgs, herr = h.decode(w, r, binary)
	}
	if herr == nil {
		herr = h.checkTopic(r.Context(), topic, msgs)
	}
	if herr != nil {
		return h.writeError(w, herr), topic, nil
	}
	results, err := h.Backend.Produce(r.Context(), topic, msgs)
	if err != nil {
		if errors.Is(err, ErrUnavailable) {
			return h.writeError(w, fail(http.StatusServiceUnavailable, CodeUnavailable, "%v", err)), topic, nil
		}
		// The client went away (or the server gave up waiting): the records
		// stay queued and are still delivered.
		return h.writeError(w, fail(http.StatusServiceUnavailable, CodeUnavailable, "waiting for acknowledgements: %v", err)), topic, nil
	}
	resp := Response{Offsets: make([]Offset, len(results))}
	for i, res := range results {
		if res.Err != nil {
			code, msg := recordErrorCode(res.Err), res.Err.Error()
			resp.Offsets[i] = Offset{ErrorCode: &code, Error: &msg}
			if h.Logger != nil {
				h.Logger.Debug("record failed", "topic", topic, "index", i, "err", res.Err)
			}
			continue
		}
		p, o := res.Partition, res.Offset
		resp.Offsets[i] = Offset{Partition: &p, Offset: &o}
	}
	w.Header().Set("Content-Type", ContentTypeV2)
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(resp)
	return http.StatusOK, topic, results
}

// recordErrorCode classifies a failed record like Confluent's proxy:
// 40101 authentication, 40301 authorization, 50003 retriable, 50002 other.
func recordErrorCode(err error) int {
	var ae *kafka.AuthError
	switch {
	case errors.As(err, &ae):
		return CodeNotAuthenticated
	case errors.Is(err, kafka.ErrTopicAuthorization):
		return CodeNotAuthorized
	case retriable(err):
		return CodeKafkaRetriable
	}
	return CodeKafkaError
}

// retriable classifies a record error like the Java client's
// RetriableException (timeouts and retriable broker codes).
func retriable(err error) bool {
	var ke *kafka.Error
	var te *kafka.SendTimeoutError
	var ce *kafka.ConnError
	return (errors.As(err, &ke) && ke.Retriable()) || errors.As(err, &te) || errors.As(err, &ce)
}

// format returns whether the content type is the binary embedded format.
func format(ct string) (binary bool, err *httpError) {
	mt, _, perr := mime.ParseMediaType(ct)
	if ct == "" || perr != nil {
		return false, fail(http.StatusUnsupportedMediaType, CodeUnsupportedMedia,
			"unsupported Content-Type %q (want %s, %s or %s)", ct, ContentTypeJSON, ContentTypeBinary, ContentTypePlain)
	}
	switch strings.ToLower(mt) {
	case ContentTypeJSON, ContentTypePlain, "application/vnd.kafka.json.v2", "application/vnd.kafka.v2+json":
		return false, nil
	case ContentTypeBinary:
		return true, nil
	}
	return false, fail(http.StatusUnsupportedMediaType, CodeUnsupportedMedia,
		"unsupported Content-Type %q (want %s, %s or %s)", ct, ContentTypeJSON, ContentTypeBinary, ContentTypePlain)
}

// validTopic checks Kafka's topic name rules.
func validTopic(t string) *httpError {
	ok := t != "" && len(t) <= 249 && t != "." && t != ".."
	for i := 0; ok && i < len(t); i++ {
		c := t[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
	}
	if !ok {
		return fail(http.StatusNotFound, CodeTopicNotFound, "Topic not found: %q is not a valid topic name.", t)
	}
	return nil
}

// decode reads and validates the body.
func (h *Handler) decode(w http.ResponseWriter, r *http.Request, binary bool) ([]kafka.Message, *httpError) {
	limit := h.MaxBodySize
	if limit <= 0 {
		limit = DefaultMaxBodySize
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, fail(http.StatusRequestEntityTooLarge, CodeTooLarge, "request body larger than %d bytes", limit)
		}
		return nil, fail(http.StatusBadRequest, CodeBadRequest, "reading the request body: %v", err)
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fail(http.StatusBadRequest, CodeBadRequest, "Cannot deserialize value of field %q: JSON %s where %s is expected", te.Field, te.Value, te.Type)
		}
		return nil, fail(http.StatusBadRequest, CodeBadRequest, "Unexpected JSON: %v", err)
	}
	if req.Records == nil {
		return nil, fail(http.StatusUnprocessableEntity, CodeUnprocessable, "records may not be null")
	}
	if len(req.Records) == 0 {
		return nil, fail(http.StatusUnprocessableEntity, CodeUnprocessable, "records may not be empty")
	}
	msgs := make([]kafka.Message, len(req.Records))
	for i, rec := range req.Records {
		var herr *httpError
		if msgs[i].Key, herr = field(rec.Key, binary, i, "key"); herr != nil {
			return nil, herr
		}
		if msgs[i].Value, herr = field(rec.Value, binary, i, "value"); herr != nil {
			return nil, herr
		}
		if rec.Partition != nil {
			if *rec.Partition < 0 {
				return nil, fail(http.StatusNotFound, CodePartitionNotFound, "Partition not found: record %d names partition %d.", i, *rec.Partition)
			}
			msgs[i].Partition = rec.Partition
		}
	}
	return msgs, nil
}

// field converts a raw key or value: null stays null; json keeps the JSON
// text; binary decodes base64.
func field(raw json.RawMessage, binary bool, i int, what string) ([]byte, *httpError) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if !binary {
		var b bytes.Buffer
		if json.Compact(&b, raw) != nil {
			return []byte(raw), nil
		}
		return b.Bytes(), nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return nil, fail(http.StatusBadRequest, CodeBadRequest, "record %d: %s must be a base64 string or null in the binary format", i, what)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fail(http.StatusUnprocessableEntity, CodeUnprocessable, "record %d: %s is not valid base64: %v", i, what, err)
	}
	return b, nil
}

// checkTopic checks that the topic exists and has the records' partitions.
func (h *Handler) checkTopic(ctx context.Context, topic string, msgs []kafka.Message) *httpError {
	n, err := h.Backend.Partitions(ctx, topic)
	switch {
	case errors.Is(err, ErrUnknownTopic):
		return fail(http.StatusNotFound, CodeTopicNotFound, "Topic not found.")
	case errors.Is(err, kafka.ErrTopicAuthorization):
		return fail(http.StatusForbidden, CodeNotAuthorized, "Not authorized to access the topic: %v", err)
	case err != nil:
		return fail(http.StatusServiceUnavailable, CodeUnavailable, "%v", err)
	}
	for i := range msgs {
		if p := msgs[i].Partition; p != nil && int(*p) >= n {
			return fail(http.StatusNotFound, CodePartitionNotFound, "Partition not found: record %d names partition %d of a topic with %d.", i, *p, n)
		}
	}
	return nil
}

func (h *Handler) writeError(w http.ResponseWriter, e *httpError) int {
	w.Header().Set("Content-Type", ContentTypeV2)
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(errorBody{ErrorCode: e.code, Message: e.msg})
	return e.status
}
