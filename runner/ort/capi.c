#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "capi.h"

const void *ygApi(const char *path) {
	void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
	if (h == NULL) {
		return NULL;
	}
	yg_GetApiBase get = (yg_GetApiBase)dlsym(h, "OrtGetApiBase");
	const void *api = NULL;
	if (get != NULL) {
		const void *const *base = get();
		api = ((yg_GetApi)base[0])(YG_ORT_API_VERSION);
	}
	dlclose(h);
	return api;
}

char *ygStatus(const void *api, OrtStatus *s) {
	if (s == NULL) {
		return NULL;
	}
	char *msg = strdup(YG_CALL(api, GetErrorMessage)(s));
	YG_CALL(api, ReleaseStatus)(s);
	return msg;
}
