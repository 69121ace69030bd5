package yolo

import (
	"cmp"
	"slices"
)

// NMSBox is one candidate box for NMS, corners in any consistent unit.
type NMSBox struct {
	X1, Y1, X2, Y2 float32
	Score          float32
	Class          int32
	// Index identifies the box (its anchor); it breaks score ties, lower first.
	Index int32
}

// nmsOrder sorts best score first, then lower index first, so that equal
// scores give the same result on every run.
func nmsOrder(a, b NMSBox) int {
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	return cmp.Compare(a.Index, b.Index)
}

// NMSInto runs greedy non-maximum suppression over boxes, which it sorts in
// place (best score first, ties by lower Index), and appends to keep[:0] the
// positions in the sorted boxes of the survivors, best first. Only the best
// maxCandidates boxes take part (≤ 0: all). A box is suppressed when its IoU
// with a kept box of the same class (any class when agnostic) is strictly
// above iouThr, as torchvision.ops.nms decides; boxes with zero union never
// suppress. At most maxDet boxes are kept (≤ 0: no limit).
func NMSInto(keep []int, boxes []NMSBox, iouThr float32, maxCandidates, maxDet int, agnostic bool) []int {
	keep = keep[:0]
	slices.SortFunc(boxes, nmsOrder)
	if maxCandidates > 0 && len(boxes) > maxCandidates {
		boxes = boxes[:maxCandidates]
	}
	for i := range boxes {
		b := &boxes[i]
		suppressed := false
		for _, k := range keep {
			kb := &boxes[k]
			if (agnostic || kb.Class == b.Class) && IoU(kb, b) > iouThr {
				suppressed = true
				break
			}
		}
		if suppressed {
			continue
		}
		keep = append(keep, i)
		if maxDet > 0 && len(keep) >= maxDet {
			break
		}
	}
	return keep
}

// IoU returns the intersection over union of two boxes in [0, 1]; 0 when
// their union is empty.
func IoU(a, b *NMSBox) float32 {
	iw := min(a.X2, b.X2) - max(a.X1, b.X1)
	ih := min(a.Y2, b.Y2) - max(a.Y1, b.Y1)
	if iw <= 0 || ih <= 0 {
		return 0
	}
	inter := iw * ih
	union := (a.X2-a.X1)*(a.Y2-a.Y1) + (b.X2-b.X1)*(b.Y2-b.Y1) - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}
