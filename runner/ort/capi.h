// The few functions of ONNX Runtime's C API that device-resident IO calls
// and onnxruntime_go does not wrap. The OrtApi table only ever grows at its
// end, so a function's slot is the same in every release; TestCAPISlots
// checks each slot and signature against the header onnxruntime_go ships.
#ifndef YOLOGATE_CAPI_H
#define YOLOGATE_CAPI_H

#include <stddef.h>
#include <stdint.h>

typedef struct OrtStatus OrtStatus;
typedef struct OrtSession OrtSession;
typedef struct OrtMemoryInfo OrtMemoryInfo;
typedef struct OrtAllocator OrtAllocator;
typedef struct OrtValue OrtValue;
typedef struct OrtIoBinding OrtIoBinding;
typedef struct OrtRunOptions OrtRunOptions;
typedef struct OrtEnv OrtEnv;
typedef struct OrtEpDevice OrtEpDevice;
typedef struct OrtSessionOptions OrtSessionOptions;

// The oldest API version with every function below (ONNX Runtime 1.23,
// which added plugin execution providers); newer libraries serve it
// unchanged.
#define YG_ORT_API_VERSION 23

// OrtGetApiBase returns a table whose first entry is GetApi.
typedef const void *const *(*yg_GetApiBase)(void);
typedef const void *(*yg_GetApi)(uint32_t version);

// Slots in the OrtApi table, and the functions' types. An enum is passed
// as its C type: int when it has negative values, else unsigned.
#define YG_SLOT_GetErrorMessage 2
typedef const char *(*yg_GetErrorMessage)(const OrtStatus *status);
#define YG_SLOT_ReleaseStatus 93
typedef void (*yg_ReleaseStatus)(OrtStatus *status);
#define YG_SLOT_CreateMemoryInfo 68
typedef OrtStatus *(*yg_CreateMemoryInfo)(const char *name, int type, int id, int mem_type, OrtMemoryInfo **out);
#define YG_SLOT_ReleaseMemoryInfo 94
typedef void (*yg_ReleaseMemoryInfo)(OrtMemoryInfo *info);
#define YG_SLOT_CreateAllocator 131
typedef OrtStatus *(*yg_CreateAllocator)(const OrtSession *session, const OrtMemoryInfo *mem_info, OrtAllocator **out);
#define YG_SLOT_ReleaseAllocator 132
typedef void (*yg_ReleaseAllocator)(OrtAllocator *allocator);
#define YG_SLOT_CreateTensorAsOrtValue 48
typedef OrtStatus *(*yg_CreateTensorAsOrtValue)(OrtAllocator *allocator, const int64_t *shape, size_t shape_len, unsigned type, OrtValue **out);
#define YG_SLOT_GetTensorMutableData 51
typedef OrtStatus *(*yg_GetTensorMutableData)(OrtValue *value, void **out);
#define YG_SLOT_ReleaseValue 96
typedef void (*yg_ReleaseValue)(OrtValue *value);
#define YG_SLOT_RunWithBinding 133
typedef OrtStatus *(*yg_RunWithBinding)(OrtSession *session, const OrtRunOptions *run_options, const OrtIoBinding *binding);
#define YG_SLOT_CreateIoBinding 134
typedef OrtStatus *(*yg_CreateIoBinding)(OrtSession *session, OrtIoBinding **out);
#define YG_SLOT_ReleaseIoBinding 135
typedef void (*yg_ReleaseIoBinding)(OrtIoBinding *binding);
#define YG_SLOT_BindInput 136
typedef OrtStatus *(*yg_BindInput)(OrtIoBinding *binding, const char *name, const OrtValue *value);
#define YG_SLOT_BindOutput 137
typedef OrtStatus *(*yg_BindOutput)(OrtIoBinding *binding, const char *name, const OrtValue *value);

#define YG_SLOT_CreateEnv 3
typedef OrtStatus *(*yg_CreateEnv)(unsigned log_severity_level, const char *logid, OrtEnv **out);
#define YG_SLOT_ReleaseEnv 92
typedef void (*yg_ReleaseEnv)(OrtEnv *env);
#define YG_SLOT_GetEpDevices 303
typedef OrtStatus *(*yg_GetEpDevices)(const OrtEnv *env, const OrtEpDevice *const **ep_devices, size_t *num_ep_devices);
#define YG_SLOT_SessionOptionsAppendExecutionProvider_V2 304
typedef OrtStatus *(*yg_SessionOptionsAppendExecutionProvider_V2)(OrtSessionOptions *session_options, OrtEnv *env,
                                                                  const OrtEpDevice *const *ep_devices, size_t num_ep_devices,
                                                                  const char *const *ep_option_keys, const char *const *ep_option_vals,
                                                                  size_t num_ep_options);
#define YG_SLOT_EpDevice_EpName 312
typedef const char *(*yg_EpDevice_EpName)(const OrtEpDevice *ep_device);

// YG_CALL(api, Name) is the function in Name's slot of the table api.
#define YG_CALL(api, name) ((yg_##name)(((const void *const *)(api))[YG_SLOT_##name]))

// ygApi returns the OrtApi table of the ONNX Runtime library at path,
// which must be loaded already; NULL when it is not, or when it does not
// offer YG_ORT_API_VERSION (capi.c).
const void *ygApi(const char *path);

// ygStatus turns an OrtStatus into a malloc'ed message (NULL for success)
// and releases it (capi.c).
char *ygStatus(const void *api, OrtStatus *s);

#endif
