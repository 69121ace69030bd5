"""OpenCV anchor for yologate's pre/post-processing benchmark (.ci/bench-prepost).

prepare SRC DIR          write the 1920x1080, 1600x900 and 1280x720 frames (SRC resized, bicubic)
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


def prepare(src, dst_dir):
    img = cv2.imread(src)
    if img is None:
        sys.exit(f"{src}: cannot read the image")
    for w, h in [(1920, 1080), (1600, 900), (1280, 720)]:
        cv2.imwrite(f"{dst_dir}/frame{h}.png", cv2.resize(img, (w, h), interpolation=cv2.INTER_CUBIC))


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
    """Median wall and process-CPU microseconds of f over runs calls."""
    f()  # first call outside the timing, as the Go benchmark does
    wall, cpu = [], []
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        f()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall) * 1e6, statistics.median(cpu) * 1e6


def go_rounds(path):
    """Per-round yologate medians (us): {stage: [(wall, cpu), ...]}, allocs, detections."""
    rounds = {"Letterbox1080p": [], "Letterbox900p": [], "Letterbox720p": [], "DecodeNMS": []}
    allocs, dets = {}, None
    for line in open(path):
        m = re.match(r"BenchmarkPrepost(\w+?)-\d+\s", line)
        if not m or m.group(1) not in rounds:
            continue
        wall = re.search(r"([\d.]+) median-ns/frame", line)
        cpu = re.search(r"([\d.]+) median-cpu-ns/frame", line)
        al = re.search(r"(\d+) allocs/op", line)
        rounds[m.group(1)].append((float(wall.group(1)) / 1000, float(cpu.group(1)) / 1000))
        allocs[m.group(1)] = max(allocs.get(m.group(1), 0), int(al.group(1)))
        d = re.search(r"([\d.]+) detections", line)
        if d:
            dets = int(float(d.group(1)))
    return rounds, allocs, dets


def opencv_round(d, runs):
    """One round of OpenCV timings in us: 'lb1080 wall, cpu; dn wall, cpu; detections; lb720 wall, cpu; lb900 wall, cpu'."""
    runs = int(runs)
    frame = cv2.imread(f"{d}/frame1080.png")
    frame720 = cv2.imread(f"{d}/frame720.png")
    frame900 = cv2.imread(f"{d}/frame900.png")
    out = np.fromfile(f"{d}/bus_output0.f32", dtype="<f4").reshape(1, 84, 8400)
    lb = median_us(lambda: letterbox(frame), runs)
    dn = median_us(lambda: decode_nms(out), runs)
    lb7 = median_us(lambda: letterbox(frame720), runs)
    lb9 = median_us(lambda: letterbox(frame900), runs)
    print(f"{lb[0]:.1f} {lb[1]:.1f} {dn[0]:.1f} {dn[1]:.1f} {len(decode_nms(out)[1])} {lb7[0]:.1f} {lb7[1]:.1f} {lb9[0]:.1f} {lb9[1]:.1f}")


def report(go_txt, ocv_txt, runs):
    rounds, allocs, gdets = go_rounds(go_txt)
    ocv = [tuple(float(x) for x in line.split()) for line in open(ocv_txt) if line.strip()]
    n = min(len(ocv), *(len(v) for v in rounds.values()))
    print(f"OpenCV {cv2.__version__}, numpy {np.__version__}, cv2 threads {cv2.getNumThreads()}; yologate one goroutine")
    print(f"{n} alternating rounds of {runs} runs each; microseconds per frame: median of the per-round medians [range of the rounds]")
    print("wall = elapsed time; cpu = process CPU time (all threads), robust to preemption by other work")
    print(f"| stage | time | yologate | OpenCV | ratio | yologate allocs/frame |")
    print(f"|---|---|---|---|---|---|")
    for name, key, col in [
        ("letterbox 1920x1080 -> 640 + normalize", "Letterbox1080p", 0),
        ("letterbox 1600x900 -> 640 + normalize", "Letterbox900p", 7),
        ("letterbox 1280x720 -> 640 + normalize", "Letterbox720p", 5),
        ("decode + NMS [1,84,8400] (bus.jpg)", "DecodeNMS", 2),
    ]:
        for kind, k in [("wall", 0), ("cpu", 1)]:
            g = [r[k] for r in rounds[key][:n]]
            o = [r[col + k] for r in ocv[:n]]
            ratios = [a / b for a, b in zip(g, o)]
            fmt = lambda v: f"{statistics.median(v):.0f} [{min(v):.0f}..{max(v):.0f}]"
            rfmt = f"{statistics.median(ratios):.2f} [{min(ratios):.2f}..{max(ratios):.2f}]"
            print(f"| {name} | {kind} | {fmt(g)} | {fmt(o)} | {rfmt} | {allocs.get(key, '?')} |")
    print(f"detections on bus.jpg: yologate {gdets}, OpenCV {int(ocv[0][4]) if ocv else '?'}")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "prepare":
        prepare(*sys.argv[2:4])
    elif len(sys.argv) >= 2 and sys.argv[1] == "opencv":
        opencv_round(*sys.argv[2:4])
    elif len(sys.argv) >= 2 and sys.argv[1] == "report":
        report(*sys.argv[2:5])
    else:
        sys.exit(__doc__)
