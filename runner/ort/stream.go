package ort

import (
	onnx "github.com/yalue/onnxruntime_go"

	"github.com/yologate/yologate/internal/errs"
)

// Stream is one more set of input and output tensors bound to a Session,
// of the same shapes as the session's own, so that several goroutines can
// run one session at the same time, each on its own tensors: ONNX
// Runtime's Run may be called concurrently on one session. Use each Stream
// from one goroutine; close every Stream before its Session.
type Stream struct {
	s       *Session
	inData  [][]byte
	outData [][]byte
	tensors []*onnx.CustomDataTensor
	binding *onnx.IoBinding
}

// NewStream allocates and binds a new set of tensors; the session must
// have run First. The inputs start zero-filled.
func (s *Session) NewStream() (*Stream, error) {
	if s.binding == nil {
		return nil, errs.Envf("onnxruntime", "", "NewStream called before First")
	}
	st := &Stream{s: s}
	b, err := s.sess.CreateIoBinding()
	if err != nil {
		return nil, errs.Envf("onnxruntime", "", "creating io binding: %s", cleanMsg(err))
	}
	st.binding = b
	bind := func(info TensorInfo, shape onnx.Shape, input bool) ([]byte, error) {
		typ, size, ok := typeByName(info.Type)
		if !ok {
			return nil, errs.Inputf("model", "", "tensor %s: unsupported element type", info)
		}
		data := make([]byte, shape.FlattenedSize()*int64(size))
		t, err := onnx.NewCustomDataTensor(shape, data, typ)
		if err != nil {
			return nil, errs.Envf("onnxruntime", "", "tensor %s: creating tensor: %s", info.Name, cleanMsg(err))
		}
		st.tensors = append(st.tensors, t)
		if input {
			err = b.BindInput(info.Name, t)
		} else {
			err = b.BindOutput(info.Name, t)
		}
		if err != nil {
			return nil, errs.Envf("onnxruntime", "", "binding %q: %s", info.Name, cleanMsg(err))
		}
		return data, nil
	}
	for i, t := range s.in {
		data, err := bind(s.inputs[i], t.GetShape(), true)
		if err != nil {
			st.Close()
			return nil, err
		}
		st.inData = append(st.inData, data)
	}
	for i, t := range s.out {
		data, err := bind(s.outputs[i], t.GetShape(), false)
		if err != nil {
			st.Close()
			return nil, err
		}
		st.outData = append(st.outData, data)
	}
	return st, nil
}

// InputData returns input i's bytes (native byte order), read by every Run.
func (st *Stream) InputData(i int) []byte { return st.inData[i] }

// OutputData returns output i's bytes as the last Run left them.
func (st *Stream) OutputData(i int) []byte { return st.outData[i] }

// Run runs the session once, synchronously, on this stream's tensors. It
// allocates nothing on the Go side.
func (st *Stream) Run() error {
	if st.binding == nil || st.s.sess == nil {
		return errs.Envf("onnxruntime", "", "Run on a closed stream or session")
	}
	if err := st.s.sess.RunWithBinding(st.binding); err != nil {
		return st.s.runErr(err)
	}
	return nil
}

// Close releases the stream's tensors and binding.
func (st *Stream) Close() error {
	if st.binding != nil {
		st.binding.Destroy()
		st.binding = nil
	}
	for _, t := range st.tensors {
		t.Destroy()
	}
	st.tensors, st.inData, st.outData = nil, nil, nil
	return nil
}
