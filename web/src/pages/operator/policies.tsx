/** Operator console → Privacy policy: every published version, reading one, and publishing the next. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ChangeEvent, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { errorMessage } from '../../api/client.ts';
import { privacyOperatorApi } from '../../api/privacy-operator.ts';
import { FormMessage, SelectField, TextArea } from '../../components/forms.tsx';
import { Empty, LoadError, Loading } from '../../components/status.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { OperatorSection } from './operator.tsx';

const sourceWords = { default: 'Hark’s default text', cli: 'the command line', api: 'the console' } as const;
const MAX_BYTES = 256 * 1024;

function PublishForm() {
  const queryClient = useQueryClient();
  const [text, setText] = useState('');
  const [format, setFormat] = useState<'markdown' | 'text'>('markdown');
  const [fileProblem, setFileProblem] = useState<string | null>(null);
  const [published, setPublished] = useState<string | null>(null);
  const publish = useMutation({
    mutationFn: () => privacyOperatorApi.publishPolicy(text, format),
    onSuccess: (result) => {
      setPublished(`Version ${result.version} is published and now governs all data held.`);
      setText('');
      void queryClient.invalidateQueries({ queryKey: ['operator', 'policy-versions'] });
    },
  });
  async function readFile(event: ChangeEvent<HTMLInputElement>) {
    setFileProblem(null);
    const file = event.target.files?.[0];
    if (!file) return;
    if (file.size > MAX_BYTES) {
      setFileProblem('That file is larger than 256 KB. A privacy policy should be far shorter; check that this is the right file.');
      return;
    }
    try {
      setText(new TextDecoder('utf-8', { fatal: true }).decode(await file.arrayBuffer()));
      if (/\.(txt|text)$/i.test(file.name)) setFormat('text');
    } catch {
      setFileProblem('That file is not UTF-8 text. Save it as UTF-8 (plain text or Markdown) and choose it again.');
    }
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    setPublished(null);
    publish.mutate();
  }
  return (
    <form onSubmit={submit} className="stack">
      <h3>Publish a new version</h3>
      <div className="field">
        <label className="field-label" htmlFor="policy-file">
          Read the text from a file <span className="optional">(optional)</span>
        </label>
        <input id="policy-file" type="file" accept=".md,.markdown,.txt,text/plain,text/markdown" onChange={(e) => void readFile(e)} aria-describedby={fileProblem ? 'policy-file-error' : undefined} />
        {fileProblem ? (
          <p className="field-error" id="policy-file-error">
            {fileProblem}
          </p>
        ) : null}
      </div>
      <TextArea label="Policy text" hint="The whole policy. Once published it cannot be changed; publish another version instead." value={text} onChange={(e) => setText(e.target.value)} rows={14} required />
      <SelectField label="Written as" value={format} onChange={(e) => setFormat(e.target.value as 'markdown' | 'text')}>
        <option value="markdown">Markdown</option>
        <option value="text">Plain text</option>
      </SelectField>
      <div>
        <button type="submit" className="button" disabled={publish.isPending}>
          Publish version
        </button>
      </div>
      <FormMessage error={publish.error ? errorMessage(publish.error) : null} success={published} />
    </form>
  );
}

export function OperatorPolicies() {
  const versions = useQuery({ queryKey: ['operator', 'policy-versions'], queryFn: privacyOperatorApi.policyVersions });
  return (
    <OperatorSection title="Privacy policy" intro="The newest version is the policy in force: it governs all data held, and each consent records the version shown.">
      {versions.isPending ? <Loading /> : null}
      {versions.error ? <LoadError error={versions.error} what="The policy versions" retry={() => void versions.refetch()} /> : null}
      {versions.data && !versions.data.length ? <Empty title="No version published yet" /> : null}
      {versions.data?.length ? (
        <table className="table">
          <caption className="visually-hidden">Published versions</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Published</th>
              <th scope="col">From</th>
              <th scope="col">Public page</th>
            </tr>
          </thead>
          <tbody>
            {versions.data.map((v) => (
              <tr key={v.version}>
                <td>
                  <Link to={`/operator/policies/${v.version}`}>Version {v.version}</Link>
                  {v.current ? <span className="pill pill-new">In force</span> : null}
                </td>
                <td>
                  {formatDateTime(v.publishedAt)}
                  {v.publishedBy ? ` by ${v.publishedBy}` : ''}
                </td>
                <td>{sourceWords[v.source]}</td>
                <td>
                  <a href={v.url}>{v.url}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <PublishForm />
    </OperatorSection>
  );
}

export function OperatorPolicyVersion() {
  const { version = '' } = useParams();
  const policy = useQuery({ queryKey: ['operator', 'policy-version', version], queryFn: () => privacyOperatorApi.policyVersion(Number(version)) });
  const p = policy.data;
  return (
    <OperatorSection title={`Privacy policy, version ${version}`}>
      <p>
        <Link to="/operator/policies">Back to the versions</Link>
      </p>
      {policy.isPending ? <Loading /> : null}
      {policy.error ? <LoadError error={policy.error} what="This version" item retry={() => void policy.refetch()} /> : null}
      {p ? (
        <>
          <p>
            {p.current ? 'In force. ' : 'An earlier version. '}Published {formatDateTime(p.publishedAt)} from {sourceWords[p.source]}. <a href={p.url}>Read it as the public sees it</a>.
          </p>
          <p className="field-hint" style={{ overflowWrap: 'anywhere' }}>SHA-256 {p.sha256}</p>
          <pre style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{p.text}</pre>
        </>
      ) : null}
    </OperatorSection>
  );
}
