/*-------------------------------------------------------------------------
 *
 * auth.h
 *		  Key-pair JWT building and key checks (OpenSSL)
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/transport/auth.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_AUTH_H
#define SNOWFDW_AUTH_H


/* in auth.c */
extern char *snowfdw_jwt_account_name(const char *account);
extern char *snowfdw_jwt_user_name(const char *user);
extern void snowfdw_check_private_key(const char *private_key_pem,
									  const char *passphrase);
extern char *snowfdw_build_keypair_jwt(const char *account, const char *user,
									   const char *private_key_pem,
									   const char *passphrase,
									   int64 issued_at, int lifetime_secs);

#endif							/* SNOWFDW_AUTH_H */
