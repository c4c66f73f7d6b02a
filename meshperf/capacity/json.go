package capacity

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/meshperf/meshperf/meshperf"
)

// The JSON form of a Result sits beside the steps of a Document (its
// "capacity" member, one entry per search): the verdict, the bracket, the
// tries and the options, and per step its rate, phase, pass or fail with
// the reason, a few headline figures, and the id of its full
// meshperf.Result among the document's steps. Rates are in requests per
// second, shares on the 0–1 scale and latencies in milliseconds, as in SMP.
// Files written before the search had its own package read the same
// (testdata/capacity-search-2026-12.json is one).

type resultJSON struct {
	SMPVersion   string            `json:"smp_version"`
	MaxQPS       float64           `json:"max_qps"`
	Converged    bool              `json:"converged"`
	Reproducible bool              `json:"reproducible"`
	Tries        []float64         `json:"tries_qps"`
	Spread       float64           `json:"spread"`
	Censored     bool              `json:"censored,omitempty"`
	PassQPS      float64           `json:"pass_qps"`
	FailQPS      float64           `json:"fail_qps"`
	Stop         StopReason        `json:"stop"`
	Verdict      string            `json:"verdict"`
	Criterion    string            `json:"budget,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	StartRate    float64           `json:"start_rate_qps"`
	MaxRate      float64           `json:"max_rate_qps"`
	Tolerance    float64           `json:"tolerance"`
	Repeats      int               `json:"repeats"`
	MaxSteps     int               `json:"max_steps"`
	MaxTimeS     float64           `json:"max_time_s"`
	StartTime    time.Time         `json:"start_time"`
	EndTime      time.Time         `json:"end_time"`
	Steps        []stepJSON        `json:"steps"`
}

type stepJSON struct {
	RequestedQPS float64  `json:"requested_qps"`
	Phase        Phase    `json:"phase"`
	Pass         bool     `json:"pass"`
	Violation    string   `json:"violation,omitempty"`
	ResultID     string   `json:"result_id,omitempty"`
	ActualQPS    float64  `json:"actual_qps"`
	P50MS        *float64 `json:"p50_ms"` // null when the step answered nothing
	P99MS        *float64 `json:"p99_ms"`
	ErrorRate    float64  `json:"error_rate"`
	Samples      int64    `json:"samples"`
}

// MarshalJSON writes the form described above.
func (c *Result) MarshalJSON() ([]byte, error) {
	j := resultJSON{
		SMPVersion: meshperf.SMPVersion, MaxQPS: c.QPS, Converged: c.Converged, Reproducible: c.Reproducible,
		Tries: c.Tries, Spread: c.Spread, Censored: c.Censored, PassQPS: c.Pass, FailQPS: c.Fail, Stop: c.Stop,
		Verdict: c.Verdict(), Criterion: c.Criterion, Labels: c.Labels, StartRate: c.StartRate, MaxRate: c.MaxRate,
		Tolerance: c.Tolerance, Repeats: c.Repeats, MaxSteps: c.MaxSteps, MaxTimeS: c.MaxTime.Seconds(),
		StartTime: c.Start.UTC(), EndTime: c.End.UTC(), Steps: []stepJSON{},
	}
	if j.Tries == nil {
		j.Tries = []float64{}
	}
	for _, st := range c.Steps {
		sj := stepJSON{RequestedQPS: st.QPS, Phase: st.Phase, Pass: st.Pass, ResultID: st.ResultID}
		if st.Err != nil {
			sj.Violation = st.Err.Error()
		}
		if r := st.Result; r != nil {
			sj.ResultID, sj.ActualQPS, sj.Samples = r.ID, r.ActualQPS, r.Latency.Count
			if r.Latency.Count > 0 {
				sj.P50MS, sj.P99MS = ms(r.Latency.P50), ms(r.Latency.P99)
			}
			if r.Requests > 0 {
				sj.ErrorRate = r.ErrorRate()
			} else {
				sj.ErrorRate = 1
			}
		}
		j.Steps = append(j.Steps, sj)
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON wrote. Steps come back without
// their Result (ResultID names it among the document's steps; see Link)
// and with Err holding the failure's text.
func (c *Result) UnmarshalJSON(b []byte) error {
	var j resultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.Tolerance < 0 || j.MaxQPS < 0 {
		return fmt.Errorf("meshperf: capacity result: negative max_qps %g or tolerance %g", j.MaxQPS, j.Tolerance)
	}
	*c = Result{
		QPS: j.MaxQPS, Converged: j.Converged, Reproducible: j.Reproducible, Tries: j.Tries, Spread: j.Spread,
		Censored: j.Censored, Pass: j.PassQPS, Fail: j.FailQPS, Stop: j.Stop, Criterion: j.Criterion, Labels: j.Labels,
		StartRate: j.StartRate, MaxRate: j.MaxRate, Tolerance: j.Tolerance, Repeats: j.Repeats, MaxSteps: j.MaxSteps,
		MaxTime: time.Duration(j.MaxTimeS * float64(time.Second)), Start: j.StartTime, End: j.EndTime,
	}
	for _, sj := range j.Steps {
		st := Step{QPS: sj.RequestedQPS, Phase: sj.Phase, Pass: sj.Pass, ResultID: sj.ResultID}
		if sj.Violation != "" {
			st.Err = errors.New(sj.Violation)
		} else if !sj.Pass {
			st.Err = errors.New("failed")
		}
		c.Steps = append(c.Steps, st)
	}
	return nil
}

// Link attaches to each step the Result among results whose ID is the
// step's ResultID, as after decoding a Document. Steps whose Result is
// missing keep a nil Result; Link returns how many there are.
func (c *Result) Link(results []*meshperf.Result) (missing int) {
	byID := make(map[string]*meshperf.Result, len(results))
	for _, r := range results {
		if r != nil && r.ID != "" {
			byID[r.ID] = r
		}
	}
	for i := range c.Steps {
		st := &c.Steps[i]
		if st.Result != nil {
			continue
		}
		if st.Result = byID[st.ResultID]; st.Result == nil {
			missing++
		}
	}
	return missing
}

// ms returns d in milliseconds, as the Result JSON writes latencies.
func ms(d time.Duration) *float64 {
	v := float64(d) / float64(time.Millisecond)
	return &v
}

// Document is the results document `meshperf capacity -json` writes: a
// meshperf.Document, whose steps are every step's Result, with the
// searches beside them in a "capacity" member. meshperf.Document knows
// nothing of searches; this type adds them by embedding it, and JSON
// readers that want only the steps (meshperf.NewDocumentReader, or a
// meshperf.Document) read the same file and keep or ignore the member.
type Document struct {
	meshperf.Document
	// Capacity holds the searches whose steps are in Steps; see
	// Result.Link.
	Capacity []*Result `json:"capacity,omitempty"`
}

// Document returns c as a results document: every step's Result in Steps
// and c in Capacity.
func (c *Result) Document() Document {
	doc := Document{Document: meshperf.Document{SMPVersion: meshperf.SMPVersion, Tool: "meshperf capacity"}, Capacity: []*Result{c}}
	for _, st := range c.Steps {
		if st.Result != nil {
			doc.Steps = append(doc.Steps, st.Result)
		}
	}
	return doc
}
