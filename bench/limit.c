/*
 * limit.c
 *		The physical limit of the listing benchmark: a bare C program that
 *		fetches a StageFile listing with libcurl, parses it with cJSON and
 *		sums the sizes, iterating the array by ->next.
 *
 *		limit URL		prints "<rows> <sum of size> <fetch s> <parse+sum s>"
 */
#include <curl/curl.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct Buffer
{
	char	   *data;
	size_t		len;
	size_t		cap;
} Buffer;

static size_t
append(char *ptr, size_t size, size_t nmemb, void *arg)
{
	Buffer	   *b = arg;
	size_t		n = size * nmemb;

	if (b->len + n + 1 > b->cap)
	{
		b->cap = (b->len + n + 1) * 2;
		b->data = realloc(b->data, b->cap);
		if (b->data == NULL)
			return 0;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	Buffer		body = {NULL, 0, 0};
	CURL	   *curl;
	cJSON	   *root;
	cJSON	   *row;
	long long	rows = 0;
	long long	sum = 0;
	double		t0, t1, t2;

	if (argc != 2)
	{
		fprintf(stderr, "usage: limit URL\n");
		return 2;
	}
	t0 = now();
	curl = curl_easy_init();
	curl_easy_setopt(curl, CURLOPT_URL, argv[1]);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	if (curl_easy_perform(curl) != CURLE_OK)
	{
		fprintf(stderr, "limit: fetch failed\n");
		return 1;
	}
	t1 = now();
	root = cJSON_ParseWithLength(body.data, body.len);
	if (root == NULL)
	{
		fprintf(stderr, "limit: parse failed\n");
		return 1;
	}
	for (row = root->child; row; row = row->next)
	{
		cJSON	   *size = cJSON_GetObjectItemCaseSensitive(row, "size");

		rows++;
		if (cJSON_IsString(size))
			sum += strtoll(size->valuestring, NULL, 10);
	}
	t2 = now();
	printf("%lld %lld %.3f %.3f\n", rows, sum, t1 - t0, t2 - t1);
	cJSON_Delete(root);
	curl_easy_cleanup(curl);
	free(body.data);
	return 0;
}
