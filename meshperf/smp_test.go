package meshperf_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	_ "google.golang.org/protobuf/types/known/timestamppb" // registers google/protobuf/timestamp.proto

	"github.com/meshperf/meshperf/meshperf"
)

// smpProto is the SMP message definition the descriptor below follows.
const smpProto = "testdata/smp/performance_test_result.proto"

// smpResultDescriptor builds the SMP PerformanceTestResult message of
// smpProto as a descriptor.
func smpResultDescriptor(tb testing.TB) protoreflect.MessageDescriptor {
	tb.Helper()
	type kind = descriptorpb.FieldDescriptorProto_Type
	field := func(name string, number int32, typ kind, typeName string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(number), Type: typ.Enum(),
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()}
		if typeName != "" {
			f.TypeName = proto.String(typeName)
		}
		return f
	}
	const (
		double  = descriptorpb.FieldDescriptorProto_TYPE_DOUBLE
		str     = descriptorpb.FieldDescriptorProto_TYPE_STRING
		message = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE
	)
	labels := field("labels", 3, message, ".smp.PerformanceTestResult.LabelsEntry")
	labels.Label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	file := &descriptorpb.FileDescriptorProto{
		Name:       proto.String("performance_test_result.proto"),
		Package:    proto.String("smp"),
		Syntax:     proto.String("proto3"),
		Dependency: []string{"google/protobuf/timestamp.proto"},
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("PerformanceTestResult"),
			Field: []*descriptorpb.FieldDescriptorProto{
				field("smp_version", 1, str, ""),
				field("id", 2, str, ""),
				labels,
				field("start_time", 4, message, ".google.protobuf.Timestamp"),
				field("end_time", 5, message, ".google.protobuf.Timestamp"),
				field("latencies_ms", 6, message, ".smp.PerformanceTestResult.Latency"),
				field("actual_QPS", 7, double, ""),
				field("details_uri", 8, str, ""),
				field("testId", 9, str, ""),
				field("meshConfigId", 10, str, ""),
				field("envId", 11, str, ""),
			},
			NestedType: []*descriptorpb.DescriptorProto{
				{
					Name: proto.String("Latency"),
					Field: []*descriptorpb.FieldDescriptorProto{
						field("min", 1, double, ""), field("average", 2, double, ""), field("p50", 3, double, ""),
						field("p90", 4, double, ""), field("p99", 5, double, ""), field("max", 6, double, ""),
					},
				},
				{
					Name:    proto.String("LabelsEntry"),
					Field:   []*descriptorpb.FieldDescriptorProto{field("key", 1, str, ""), field("value", 2, str, "")},
					Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)},
				},
			},
		}},
	}
	fd, err := protodesc.NewFile(file, protoregistry.GlobalFiles)
	if err != nil {
		tb.Fatalf("SMP descriptor: %v", err)
	}
	return fd.Messages().ByName("PerformanceTestResult")
}

// The descriptor holds exactly the fields the .proto lists: names, numbers
// and types.
func TestSMPDescriptorFollowsTheProto(t *testing.T) {
	f, err := os.Open(smpProto)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var fromProto []string
	var scope []string
	open := regexp.MustCompile(`^message (\w+) \{$`)
	fieldRE := regexp.MustCompile(`^(map<string, string>|[\w.]+) (\w+) = (\d+);$`)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := regexp.MustCompile(`\s+`).ReplaceAllString(sc.Text(), " ")
		line = regexp.MustCompile(`^ | $`).ReplaceAllString(line, "")
		switch {
		case open.MatchString(line):
			scope = append(scope, open.FindStringSubmatch(line)[1])
		case line == "}":
			scope = scope[:len(scope)-1]
		case len(scope) > 0 && fieldRE.MatchString(line):
			m := fieldRE.FindStringSubmatch(line)
			fromProto = append(fromProto, fmt.Sprintf("%s.%s %s = %s", scope[len(scope)-1], m[2], m[1], m[3]))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var fromGo []string
	var walk func(md protoreflect.MessageDescriptor)
	walk = func(md protoreflect.MessageDescriptor) {
		for i := range md.Fields().Len() {
			fd := md.Fields().Get(i)
			typ := fd.Kind().String()
			switch {
			case fd.IsMap():
				typ = fmt.Sprintf("map<%s, %s>", fd.MapKey().Kind(), fd.MapValue().Kind())
			case fd.Message() != nil && fd.Message().Parent() == md:
				typ = string(fd.Message().Name())
			case fd.Message() != nil:
				typ = string(fd.Message().FullName())
			}
			fromGo = append(fromGo, fmt.Sprintf("%s.%s %s = %d", md.Name(), fd.Name(), typ, fd.Number()))
		}
		for i := range md.Messages().Len() {
			if nested := md.Messages().Get(i); !nested.IsMapEntry() {
				walk(nested)
			}
		}
	}
	walk(smpResultDescriptor(t))
	slices.Sort(fromProto)
	slices.Sort(fromGo)
	if len(fromProto) < 17 || !slices.Equal(fromProto, fromGo) {
		t.Errorf("fields differ:\n %s: %q\n descriptor: %q", smpProto, fromProto, fromGo)
	}
}

// decodeSMP reads b with the SMP message, ignoring meshperf's extras as
// every SMP reader does.
func decodeSMP(tb testing.TB, md protoreflect.MessageDescriptor, b []byte) protoreflect.Message {
	tb.Helper()
	m := dynamicpb.NewMessage(md)
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, m); err != nil {
		tb.Fatalf("not an SMP PerformanceTestResult: %v\n%s", err, b)
	}
	return m
}

// checkSMP checks that the SMP reading m of a result's JSON carries r's
// numbers: exactly, since both are the same float64 written once.
func checkSMP(tb testing.TB, name string, m protoreflect.Message, r *meshperf.Result) {
	tb.Helper()
	fields := m.Descriptor().Fields()
	get := func(name string) protoreflect.Value { return m.Get(fields.ByName(protoreflect.Name(name))) }
	if got := get("actual_QPS").Float(); got != r.ActualQPS || (r.Requests > 0 && got == 0) {
		tb.Errorf("%s: SMP actual_QPS = %v, want %v", name, got, r.ActualQPS)
	}
	if got := get("smp_version").String(); got != meshperf.SMPVersion {
		tb.Errorf("%s: SMP smp_version = %q", name, got)
	}
	if got := get("id").String(); got != r.ID || got == "" {
		tb.Errorf("%s: SMP id = %q, want %q", name, got, r.ID)
	}
	for k, v := range r.Labels {
		if got := get("labels").Map().Get(protoreflect.ValueOfString(k).MapKey()); !got.IsValid() || got.String() != v {
			tb.Errorf("%s: SMP labels[%s] = %v, want %q", name, k, got, v)
		}
	}
	for _, ts := range []struct {
		field string
		want  time.Time
	}{{"start_time", r.Start}, {"end_time", r.End}} {
		if !m.Has(fields.ByName(protoreflect.Name(ts.field))) {
			tb.Errorf("%s: SMP %s is unset", name, ts.field)
			continue
		}
		tm := get(ts.field).Message()
		tf := tm.Descriptor().Fields()
		got := time.Unix(tm.Get(tf.ByName("seconds")).Int(), tm.Get(tf.ByName("nanos")).Int())
		if !got.Equal(ts.want) || ts.want.IsZero() {
			tb.Errorf("%s: SMP %s = %v, want %v", name, ts.field, got.UTC(), ts.want.UTC())
		}
	}
	latencies := fields.ByName("latencies_ms")
	if r.Latency.Count == 0 {
		if m.Has(latencies) {
			tb.Errorf("%s: SMP latencies_ms is set for a run without samples: %v", name, get("latencies_ms"))
		}
		return
	}
	if !m.Has(latencies) {
		tb.Fatalf("%s: SMP latencies_ms is unset", name)
	}
	lm := get("latencies_ms").Message()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	for _, l := range []struct {
		field string
		want  time.Duration
	}{{"min", r.Latency.Min}, {"average", r.Latency.Mean}, {"p50", r.Latency.P50}, {"p90", r.Latency.P90},
		{"p99", r.Latency.P99}, {"max", r.Latency.Max}} {
		got := lm.Get(lm.Descriptor().Fields().ByName(protoreflect.Name(l.field))).Float()
		if got != ms(l.want) || l.want <= 0 {
			tb.Errorf("%s: SMP latencies_ms.%s = %v, want %v", name, l.field, got, ms(l.want))
		}
	}
}

// rfc3339 checks that the JSON's start_time and end_time are RFC 3339
// text, as SMP's google.protobuf.Timestamp requires.
func rfc3339(tb testing.TB, name string, b []byte) {
	tb.Helper()
	var times struct {
		Start string `json:"start_time"`
		End   string `json:"end_time"`
	}
	if err := json.Unmarshal(b, &times); err != nil {
		tb.Fatal(err)
	}
	for _, s := range []string{times.Start, times.End} {
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil || s[len(s)-1] != 'Z' {
			tb.Errorf("%s: time %q is not RFC 3339 in UTC: %v", name, s, err)
		}
	}
}

// A single load's JSON, as `meshperf load -json` writes it, reads as an SMP
// PerformanceTestResult carrying our rate, latencies and times.
func TestSMPReadsALoadResult(t *testing.T) {
	md := smpResultDescriptor(t)
	res, err := meshperf.RunContext(t.Context(), meshperf.URL(rawServer(t, nil)), meshperf.QPS(400), meshperf.Requests(200),
		meshperf.Concurrency(2), meshperf.Warmup(0), meshperf.Label("mode", "baseline"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	rfc3339(t, "load", b)
	checkSMP(t, "load", decodeSMP(t, md, b), res)
	// The extras stay beside the SMP fields.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"requested_qps", "concurrency", "errors", "histograms", "service_latencies_ms", "send_lag_ms"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks the extra %q", k)
		}
	}
	if _, ok := m["actual_qps"]; ok {
		t.Error(`JSON still writes "actual_qps", which SMP readers drop`)
	}
}

// Every step of a results document (meshperf.Out; `meshperf sweep -json`
// writes the same steps) reads as an SMP PerformanceTestResult, a step
// without answered requests included: its latencies_ms is unset, never 0.
func TestSMPReadsEveryStepOfADocument(t *testing.T) {
	md := smpResultDescriptor(t)
	path := filepath.Join(t.TempDir(), "results.json")
	url := rawServer(t, nil)
	var want []*meshperf.Result
	for _, c := range []int{1, 2, 4} {
		res, err := meshperf.RunContext(t.Context(), meshperf.URL(url), meshperf.Out(path), meshperf.QPS(300),
			meshperf.Requests(150), meshperf.Concurrency(c), meshperf.Warmup(0), meshperf.Label("conc", fmt.Sprint(c)))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, res)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/"
	ln.Close()
	res, err := meshperf.RunContext(t.Context(), meshperf.URL(refused), meshperf.Out(path), meshperf.QPS(0),
		meshperf.Requests(5), meshperf.Warmup(0))
	if err == nil || res == nil {
		t.Fatalf("a refused run: result %v, error %v", res, err)
	}
	want = append(want, res)

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Steps []json.RawMessage `json:"steps"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Steps) != len(want) {
		t.Fatalf("document holds %d steps, want %d", len(doc.Steps), len(want))
	}
	for i, step := range doc.Steps {
		name := fmt.Sprintf("steps[%d]", i)
		rfc3339(t, name, step)
		checkSMP(t, name, decodeSMP(t, md, step), want[i])
	}
}
