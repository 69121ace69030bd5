# syntax=docker/dockerfile:1.7
#
# yologate for GPU runners: CUDA 12 + cuDNN 9 + TensorRT 10 + the ONNX Runtime
# GPU release. Build and run (docs/gpu.md has the details):
#
#   docker build -t yologate:gpu .
#   docker run --rm --gpus all yologate:gpu                 # the standard benchmark
#   docker run --rm --gpus all -v "$PWD:/work" -u "$(id -u):$(id -g)" yologate:gpu gate --baseline baselines/perf.yaml
#
# Every version below is pinned (base images by tag and digest, the ONNX
# Runtime release by version and sha256, TensorRT by package version); bump
# them together and rebuild.

ARG GO_IMAGE=golang:1.26.8-bookworm@sha256:a688600ca24f8a4d3ca77f95b0dd40704a9fc787c826660eb7ba0b641b8b175d
ARG CUDA_IMAGE=nvidia/cuda:12.9.1-cudnn-runtime-ubuntu24.04@sha256:d02c4310b6d57ca0b16cd80298bdb33a74187baafe2eccd8a6a16180ddc90802

# --- build: yologate with cgo (onnxruntime_go and go-nvml load their
# libraries at run time, so no CUDA is needed to compile) -------------------
FROM ${GO_IMAGE} AS build
ARG YOLOGATE_VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 CGO_CFLAGS="-O2 -Wno-deprecated-declarations" \
    go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${YOLOGATE_VERSION}" \
      -o /out/yologate ./cmd/yologate

# --- ort: the ONNX Runtime GPU release (CUDA 12 build), checked against its sha256
FROM ${GO_IMAGE} AS ort
ARG ORT_VERSION=1.30.0
# sha256 of onnxruntime-linux-x64-gpu_cuda12-${ORT_VERSION}.tgz, the digest the
# release lists for the asset; a new ORT_VERSION needs its own (docs/gpu.md).
ARG ORT_GPU_SHA256=f9886932ee7bb0b4d3fcab736a392d4ff5efaa0672b47f19f0cec03437cf64f1
RUN set -eu; \
    tgz="onnxruntime-linux-x64-gpu_cuda12-${ORT_VERSION}.tgz"; \
    curl -fsSL --retry 3 -o "/tmp/${tgz}" \
      "https://github.com/microsoft/onnxruntime/releases/download/v${ORT_VERSION}/${tgz}"; \
    echo "${ORT_GPU_SHA256}  /tmp/${tgz}" | sha256sum -c - \
      || { echo "${tgz}: sha256 mismatch, refusing to use it (set ORT_GPU_SHA256 for ORT_VERSION ${ORT_VERSION})" >&2; exit 1; }; \
    mkdir -p /opt/onnxruntime; \
    tar -xzf "/tmp/${tgz}" -C /opt/onnxruntime --strip-components=1; \
    test -e /opt/onnxruntime/lib/libonnxruntime.so.1; \
    test -e /opt/onnxruntime/lib/libonnxruntime_providers_shared.so; \
    test -e /opt/onnxruntime/lib/libonnxruntime_providers_cuda.so; \
    test -e /opt/onnxruntime/lib/libonnxruntime_providers_tensorrt.so

# --- runtime: CUDA + cuDNN base with the TensorRT libraries ----------------
FROM ${CUDA_IMAGE}
ARG CUDA_IMAGE
ARG YOLOGATE_VERSION=dev
ARG YOLOGATE_REVISION=
ARG ORT_VERSION=1.30.0
ARG CUDA_VERSION_LABEL=12.9.1
ARG CUDNN_VERSION_LABEL=9
# TensorRT 10 from NVIDIA's CUDA apt repository, which the base image already
# trusts; the version suffix ties it to the base image's CUDA 12.9. A newer
# TensorRT 10 runs ONNX Runtime's provider built against an older one.
ARG TENSORRT_VERSION=10.16.1.11-1+cuda12.9

LABEL org.opencontainers.image.title="yologate" \
      org.opencontainers.image.description="CI performance-regression gate for YOLO inference on ONNX Runtime (CUDA, TensorRT)" \
      org.opencontainers.image.source="https://github.com/yologate/yologate" \
      org.opencontainers.image.version="${YOLOGATE_VERSION}" \
      org.opencontainers.image.revision="${YOLOGATE_REVISION}" \
      org.opencontainers.image.base.name="${CUDA_IMAGE}" \
      io.yologate.onnxruntime.version="${ORT_VERSION}" \
      io.yologate.cuda.version="${CUDA_VERSION_LABEL}" \
      io.yologate.cudnn.version="${CUDNN_VERSION_LABEL}" \
      io.yologate.tensorrt.version="${TENSORRT_VERSION}"

# git (and the CA certificates it checks servers with) fetches and pushes
# main's history branch: the action's history input.
RUN set -eu; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
      ca-certificates git \
      "libnvinfer10=${TENSORRT_VERSION}" \
      "libnvinfer-plugin10=${TENSORRT_VERSION}" \
      "libnvonnxparsers10=${TENSORRT_VERSION}"; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --gid 10001 yologate; \
    useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin yologate; \
    mkdir -p /work /cache; \
    chown yologate:yologate /work; \
    chmod 1777 /cache

COPY --from=ort /opt/onnxruntime/lib /opt/onnxruntime/lib
COPY --from=build /out/yologate /usr/local/bin/yologate

# Every library the providers need must resolve inside the image, except
# the driver's own (libcuda, libnvidia-ml), which --gpus mounts at run time.
RUN set -eu; \
    missing="$(LD_LIBRARY_PATH=/opt/onnxruntime/lib:${LD_LIBRARY_PATH:-} \
      ldd /opt/onnxruntime/lib/libonnxruntime_providers_cuda.so \
          /opt/onnxruntime/lib/libonnxruntime_providers_tensorrt.so \
      | grep 'not found' | grep -v -e 'libcuda\.so' -e 'libnvidia-ml\.so' || true)"; \
    if [ -n "${missing}" ]; then echo "libraries missing from the image:" >&2; echo "${missing}" >&2; exit 1; fi

# The NVIDIA container toolkit mounts libnvidia-ml.so.1 and the driver's
# libcuda.so.1 when the container runs with --gpus.
# TensorRT engines and timing caches go to /cache: mount a volume there
# (-v yologate-cache:/cache) to keep them between runs.
ENV YOLOGATE_ORT_LIB=/opt/onnxruntime/lib/libonnxruntime.so.1 \
    YOLOGATE_CACHE=/cache \
    LD_LIBRARY_PATH=/opt/onnxruntime/lib:${LD_LIBRARY_PATH} \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility

USER 10001:10001
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/yologate"]
CMD ["run"]
