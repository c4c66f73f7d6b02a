package meshperf

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The JSON form of a CapacityResult sits beside the steps of a Document
// (its "capacity" member, one entry per search): the verdict, the bracket,
// the tries and the options, and per step its rate, phase, pass or fail
// with the reason, a few headline figures, and the id of its full Result
// among the document's steps. Rates are in requests per second, shares on
// the 0–1 scale and latencies in milliseconds, as in SMP.

type capacityJSON struct {
	SMPVersion   string             `json:"smp_version"`
	MaxQPS       float64            `json:"max_qps"`
	Converged    bool               `json:"converged"`
	Reproducible bool               `json:"reproducible"`
	Tries        []float64          `json:"tries_qps"`
	Spread       float64            `json:"spread"`
	Censored     bool               `json:"censored,omitempty"`
	PassQPS      float64            `json:"pass_qps"`
	FailQPS      float64            `json:"fail_qps"`
	Stop         StopReason         `json:"stop"`
	Verdict      string             `json:"verdict"`
	Criterion    string             `json:"budget,omitempty"`
	Labels       map[string]string  `json:"labels,omitempty"`
	StartRate    float64            `json:"start_rate_qps"`
	MaxRate      float64            `json:"max_rate_qps"`
	Tolerance    float64            `json:"tolerance"`
	Repeats      int                `json:"repeats"`
	MaxSteps     int                `json:"max_steps"`
	MaxTimeS     float64            `json:"max_time_s"`
	StartTime    time.Time          `json:"start_time"`
	EndTime      time.Time          `json:"end_time"`
	Steps        []capacityStepJSON `json:"steps"`
}

type capacityStepJSON struct {
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
func (c *CapacityResult) MarshalJSON() ([]byte, error) {
	j := capacityJSON{
		SMPVersion: SMPVersion, MaxQPS: c.QPS, Converged: c.Converged, Reproducible: c.Reproducible,
		Tries: c.Tries, Spread: c.Spread, Censored: c.Censored, PassQPS: c.Pass, FailQPS: c.Fail, Stop: c.Stop,
		Verdict: c.Verdict(), Criterion: c.Criterion, Labels: c.Labels, StartRate: c.StartRate, MaxRate: c.MaxRate,
		Tolerance: c.Tolerance, Repeats: c.Repeats, MaxSteps: c.MaxSteps, MaxTimeS: c.MaxTime.Seconds(),
		StartTime: c.Start.UTC(), EndTime: c.End.UTC(), Steps: []capacityStepJSON{},
	}
	if j.Tries == nil {
		j.Tries = []float64{}
	}
	for _, st := range c.Steps {
		sj := capacityStepJSON{RequestedQPS: st.QPS, Phase: st.Phase, Pass: st.Pass, ResultID: st.ResultID}
		if st.Err != nil {
			sj.Violation = st.Err.Error()
		}
		if r := st.Result; r != nil {
			sj.ResultID, sj.ActualQPS, sj.Samples = r.ID, r.ActualQPS, r.Latency.Count
			if l := newLatenciesMS(r.Latency); l != nil {
				sj.P50MS, sj.P99MS = l.P50, l.P99
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
func (c *CapacityResult) UnmarshalJSON(b []byte) error {
	var j capacityJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.Tolerance < 0 || j.MaxQPS < 0 {
		return fmt.Errorf("meshperf: capacity result: negative max_qps %g or tolerance %g", j.MaxQPS, j.Tolerance)
	}
	*c = CapacityResult{
		QPS: j.MaxQPS, Converged: j.Converged, Reproducible: j.Reproducible, Tries: j.Tries, Spread: j.Spread,
		Censored: j.Censored, Pass: j.PassQPS, Fail: j.FailQPS, Stop: j.Stop, Criterion: j.Criterion, Labels: j.Labels,
		StartRate: j.StartRate, MaxRate: j.MaxRate, Tolerance: j.Tolerance, Repeats: j.Repeats, MaxSteps: j.MaxSteps,
		MaxTime: time.Duration(j.MaxTimeS * float64(time.Second)), Start: j.StartTime, End: j.EndTime,
	}
	for _, sj := range j.Steps {
		st := CapacityStep{QPS: sj.RequestedQPS, Phase: sj.Phase, Pass: sj.Pass, ResultID: sj.ResultID}
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
func (c *CapacityResult) Link(results []*Result) (missing int) {
	byID := make(map[string]*Result, len(results))
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

// Document returns c as a results document: every step's Result in Steps
// and c in Capacity, the form `meshperf capacity -json` writes.
func (c *CapacityResult) Document() Document {
	doc := Document{SMPVersion: SMPVersion, Tool: "meshperf capacity", Capacity: []*CapacityResult{c}}
	for _, st := range c.Steps {
		if st.Result != nil {
			doc.Steps = append(doc.Steps, st.Result)
		}
	}
	return doc
}
