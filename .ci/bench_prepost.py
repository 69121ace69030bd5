"""OpenCV anchor for yologate's pre/post-processing benchmark (.ci/bench-prepost).

prepare SRC DST.png      write the 1920x1080 benchmark frame (SRC resized, bicubic)
opencv DIR RUNS          one round of OpenCV letterbox+normalize and decode+NMS
                         medians on the same inputs as yologate's benchmarks
report GO.txt OCV.txt RUNS   the table: medians over rounds and the ratio
"""
import re
import statistics
import sys
import time

import cv2
import numpy as np


def prepare(src, dst):
    img = cv2.imread(src)
    if img is None:
        sys.exit(f"{src}: cannot read the image")
    cv2.imwrite(dst, cv2.resize(img, (1920, 1080), interpolation=cv2.INTER_CUBIC))


def letterbox(im, new=640):
    # Ultralytics LetterBox (auto=False, center=True) with cv2, then the
    # predictor's normalization: BGR->RGB, HWC->CHW, float32 / 255.
    h, w = im.shape[:2]
    r = min(new / h, new / w)
    nw, nh = int(round(w * r)), int(round(h * r))
    dw, dh = (new - nw) / 2, (new - nh) / 2
    if (w, h) != (nw, nh):
        im = cv2.resize(im, (nw, nh), interpolation=cv2.INTER_LINEAR)
    top, bottom = int(round(dh - 0.1)), int(round(dh + 0.1))
    left, right = int(round(dw - 0.1)), int(round(dw + 0.1))
    im = cv2.copyMakeBorder(im, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(114, 114, 114))
    x = np.ascontiguousarray(im[..., ::-1].transpose(2, 0, 1))
    return x.astype(np.float32) / 255.0


def decode_nms(out, shape0=(445, 800), new=640, conf_thr=0.25, iou_thr=0.45, max_det=300):
    # Ultralytics' decode (best class per anchor, conf > thr, xywh -> xyxy),
    # class-aware through its per-class offset, cv2.dnn.NMSBoxes, then
    # scale_boxes back to the original image and clip.
    x = out[0]
    scores = x[4:]
    cls = scores.argmax(0)
    conf = scores[cls, np.arange(scores.shape[1])]
    m = conf > conf_thr
    b, c, s = x[:4, m].T, cls[m], conf[m]
    off = c.astype(np.float32) * 7680.0
    rects = np.stack([b[:, 0] - b[:, 2] / 2 + off, b[:, 1] - b[:, 3] / 2 + off, b[:, 2], b[:, 3]], 1)
    keep = cv2.dnn.NMSBoxes(rects, s, conf_thr, iou_thr, top_k=max_det)
    keep = np.asarray(keep, dtype=np.int64).reshape(-1)
    bk = b[keep]
    xyxy = np.stack([bk[:, 0] - bk[:, 2] / 2, bk[:, 1] - bk[:, 3] / 2, bk[:, 0] + bk[:, 2] / 2, bk[:, 1] + bk[:, 3] / 2], 1)
    h0, w0 = shape0
    gain = min(new / h0, new / w0)
    padx, pady = round((new - w0 * gain) / 2 - 0.1), round((new - h0 * gain) / 2 - 0.1)
    xyxy[:, [0, 2]] = ((xyxy[:, [0, 2]] - padx) / gain).clip(0, w0)
    xyxy[:, [1, 3]] = ((xyxy[:, [1, 3]] - pady) / gain).clip(0, h0)
    return xyxy, s[keep], c[keep]


def median_us(f, runs):
    f()  # first call outside the timing, as the Go benchmark does
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6, (min(times) * 1e6, max(times) * 1e6)


def go_rounds(path):
    """Per-round yologate medians (us) and allocs from concatenated go test -bench output."""
    rounds = {"Letterbox1080p": [], "DecodeNMS": []}
    allocs, dets = {}, None
    for line in open(path):
        m = re.match(r"BenchmarkPrepost(\w+?)-\d+\s+\d+\s+.*?([\d.]+) median-ns/frame.*?(\d+) allocs/op", line)
        if m and m.group(1) in rounds:
            rounds[m.group(1)].append(float(m.group(2)) / 1000)
            allocs[m.group(1)] = max(allocs.get(m.group(1), 0), int(m.group(3)))
        d = re.search(r"BenchmarkPrepostDecodeNMS.*?([\d.]+) detections", line)
        if d:
            dets = int(float(d.group(1)))
    return rounds, allocs, dets


def opencv_round(d, runs):
    """One round of OpenCV timings: prints 'letterbox_us decode_us detections'."""
    runs = int(runs)
    frame = cv2.imread(f"{d}/frame1080.png")
    out = np.fromfile(f"{d}/bus_output0.f32", dtype="<f4").reshape(1, 84, 8400)
    lb, _ = median_us(lambda: letterbox(frame), runs)
    dn, _ = median_us(lambda: decode_nms(out), runs)
    print(f"{lb:.1f} {dn:.1f} {len(decode_nms(out)[1])}")


def report(go_txt, ocv_txt, runs):
    rounds, allocs, gdets = go_rounds(go_txt)
    ocv = [tuple(float(x) for x in line.split()) for line in open(ocv_txt) if line.strip()]
    n = min(len(ocv), *(len(v) for v in rounds.values()))
    print(f"OpenCV {cv2.__version__}, numpy {np.__version__}, cv2 threads {cv2.getNumThreads()}; yologate single goroutine")
    print(f"{n} alternating rounds of {runs} runs each; per-round medians, microseconds per frame; median of the rounds [min..max]")
    print(f"{'stage':<44} {'yologate':>22} {'OpenCV':>22} {'ratio':>16}  allocs/frame")
    for name, key, col in [
        ("letterbox 1920x1080 -> 640x640 + normalize", "Letterbox1080p", 0),
        ("decode + NMS [1,84,8400] (bus.jpg)", "DecodeNMS", 1),
    ]:
        g = rounds[key][:n]
        o = [r[col] for r in ocv[:n]]
        ratios = [a / b for a, b in zip(g, o)]
        fmt = lambda v: f"{statistics.median(v):.0f} [{min(v):.0f}..{max(v):.0f}]"
        rfmt = f"{statistics.median(ratios):.2f} [{min(ratios):.2f}..{max(ratios):.2f}]"
        print(f"{name:<44} {fmt(g):>22} {fmt(o):>22} {rfmt:>16}  {allocs.get(key, '?')}")
    print(f"detections on bus.jpg: yologate {gdets}, OpenCV {int(ocv[0][2]) if ocv else '?'}")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "prepare":
        prepare(*sys.argv[2:4])
    elif len(sys.argv) >= 2 and sys.argv[1] == "opencv":
        opencv_round(*sys.argv[2:4])
    elif len(sys.argv) >= 2 and sys.argv[1] == "report":
        report(*sys.argv[2:5])
    else:
        sys.exit(__doc__)
