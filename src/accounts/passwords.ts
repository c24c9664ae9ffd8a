/**
 * Passwords: argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane), and the
 * rules a new password must meet.
 */
import { Algorithm, hash, verify } from '@node-rs/argon2';

const argon2Options = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, argon2Options);
}

// Verified against when the email is unknown, so a login takes as long either way and does
// not tell an attacker which addresses have accounts.
let decoyHash: Promise<string> | undefined;

export async function verifyPassword(storedHash: string | null, password: string): Promise<boolean> {
  if (!storedHash) {
    decoyHash ??= hashPassword('decoy password that matches nothing');
    await verify(await decoyHash, password);
    return false;
  }
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

const commonPasswords = new Set([
  'password', 'password1', 'password12', 'password123', 'passw0rd', 'qwertyuiop', 'qwerty123', '1234567890',
  '12345678910', 'iloveyou1', 'letmein123', 'welcome123', 'admin12345', 'changeme123', 'abcdefghij', '0987654321',
  'qwertyuiop1', 'football12', 'baseball12', 'sunshine12', 'princess12', 'trustno1234', '1q2w3e4r5t',
]);

/** Why a new password is refused, in words for the person choosing it; null when it is fine. */
export function passwordProblem(password: string, email: string): string | null {
  if (password.length < 10) return 'Choose a password of at least 10 characters.';
  if (password.length > 200) return 'Choose a password of at most 200 characters.';
  const lower = password.toLowerCase();
  if (commonPasswords.has(lower)) return 'That password is too common. Choose another.';
  if (new Set(lower).size < 4) return 'That password repeats too few characters. Choose another.';
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  if (local.length >= 4 && lower.includes(local)) return 'Your password should not contain your email address.';
  return null;
}
