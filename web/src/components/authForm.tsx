import { useState, type FormEvent } from 'react';
import { fieldErrors } from '../api';
import { Field } from './forms';

/**
 * The submit of a logged-out form (sign up, log in, accept an invitation): busy while `run` goes, its error and the
 * button back if it fails. On success it stays busy, since `run` ends by navigating away.
 */
export function useAuthSubmit(run: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await run();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  return { busy, error, errors: fieldErrors(error), submit };
}

type Change = (e: { target: { value: string } }) => void;

/** A form's text values in one object, and `set(key)` as the onChange of the input for that key. */
export function useFormValues<T extends Record<string, string>>(initial: T) {
  const [values, setValues] = useState(initial);
  const set =
    (key: keyof T): Change =>
    (e) =>
      setValues((v) => ({ ...v, [key]: e.target.value }));
  return [values, set] as const;
}

type NewUser = { name: string; email: string; password: string };

/** Your name, Email and a new Password: the fields of someone signing up or joining a company. */
export function NewUserFields({ values, set, errors }: { values: NewUser; set: (key: keyof NewUser) => Change; errors: Record<string, string> }) {
  return (
    <>
      <Field label="Your name" autoComplete="name" required value={values.name} onChange={set('name')} error={errors.name} />
      <Field label="Email" type="email" autoComplete="email" required value={values.email} onChange={set('email')} error={errors.email} />
      <Field
        label="Password"
        type="password"
        autoComplete="new-password"
        required
        minLength={10}
        value={values.password}
        onChange={set('password')}
        error={errors.password}
        hint="At least 10 characters."
      />
    </>
  );
}
