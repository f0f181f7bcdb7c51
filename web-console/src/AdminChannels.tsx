import { useCallback, useState } from 'react';
import { api } from './api';
import { adminApi, type AdminAuditEntry, type ChannelState } from './admin-api';
import { AuditTable, ErrorLine, TableBox, useLoad } from './admin-ui';
import { dateTime, useI18n, type MessageKey } from './i18n';
import { errorText, type Reference } from './shared';

const HEALTH_LABEL: Partial<Record<string, MessageKey>> = {
  healthy: 'adm.ch.healthy', degraded: 'adm.ch.degraded', down: 'adm.ch.down', off: 'adm.ch.notConfigured', switched_off: 'adm.ch.switchedOff',
};

/**
 * Kênh: which channels are configured (their secrets, set in the environment), which an admin has
 * switched off for now, and how their outbound side is doing. Admins switch configured channels
 * off and on, after a confirmation; switching off holds replies and makes the platforms retry later.
 */
export function AdminChannels({ canEdit, refData }: { canEdit: boolean; refData: Reference }) {
  const i18n = useI18n();
  const { t } = i18n;
  const load = useCallback(() => api.get<{ channels: ChannelState[] }>('/api/v1/channels').then((r) => r.channels), []);
  const { data, error, reload } = useLoad(load);
  const loadAudit = useCallback(() => api.get<{ entries: AdminAuditEntry[] }>('/api/v1/admin/audit?entity=channel').then((r) => r.entries), []);
  const audit = useLoad(loadAudit);
  const [busy, setBusy] = useState<string | null>(null);
  const [writeError, setWriteError] = useState<string | null>(null);
  const [released, setReleased] = useState<{ channel: string; n: number } | null>(null);

  const toggle = async (c: ChannelState) => {
    const on = !c.switchedOn;
    const name = i18n.code(c.channel);
    if (!confirm(`${t(on ? 'adm.ch.confirmOn' : 'adm.ch.confirmOff')} ${name}?`)) return;
    setBusy(c.channel);
    setWriteError(null);
    setReleased(null);
    try {
      const r = await adminApi.patch<ChannelState & { releasedReplies: number }>(`/api/v1/channels/${encodeURIComponent(c.channel)}`, { enabled: on });
      if (on) setReleased({ channel: c.channel, n: r.releasedReplies });
      reload();
      audit.reload();
    } catch (err) {
      setWriteError(errorText(err, i18n));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div data-testid="admin-channels">
      <p className="hint" data-testid="channels-env-note">{t('adm.ch.envNote')}</p>
      <button type="button" onClick={reload} data-testid="channels-refresh">{t('adm.refresh')}</button>
      <ErrorLine error={error} testId="admin-error" />
      <ErrorLine error={writeError} testId="channel-error" />
      {released && <p className="ok-line" data-testid="channel-released">{t('adm.ch.released')} {released.n}</p>}
      {data && (
        <TableBox>
          <table className="tickets admin-table" data-testid="channel-list">
            <thead><tr><th>{t('col.channel')}</th><th>{t('adm.ch.configured')}</th><th>{t('adm.ch.switch')}</th><th>{t('adm.ch.health')}</th><th>{t('adm.ch.reason')}</th></tr></thead>
            <tbody>
              {data.map((c) => (
                <tr key={c.channel} data-testid="channel-row" data-channel={c.channel} data-enabled={c.enabled ? 'on' : 'off'}
                  data-switched={c.switchedOn ? 'on' : 'off'} data-status={c.status}>
                  <td>{i18n.code(c.channel)}</td>
                  <td>{c.enabled ? t('adm.yes') : t('adm.no')}</td>
                  <td>
                    {!c.enabled ? '—' : (
                      <>
                        <span className={c.switchedOn ? 'health health-healthy' : 'health health-down'}>{c.switchedOn ? t('adm.ch.on') : t('adm.ch.off')}</span>
                        {canEdit && (
                          <button type="button" className={c.switchedOn ? 'danger switch-button' : 'primary switch-button'} disabled={busy !== null}
                            onClick={() => void toggle(c)} data-testid="channel-toggle">
                            {c.switchedOn ? t('adm.ch.turnOff') : t('adm.ch.turnOn')}
                          </button>
                        )}
                        {c.changedAt && <small className="hint block">{dateTime(c.changedAt, i18n.lang)}{c.changedBy !== null ? ` · ${refData.staffNames.get(c.changedBy) ?? `#${c.changedBy}`}` : ''}</small>}
                      </>
                    )}
                  </td>
                  <td><span className={`health health-${c.status}`}>{c.status in HEALTH_LABEL ? t(HEALTH_LABEL[c.status]!) : c.status}</span></td>
                  <td>{c.reason ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
      <div className="card">
        <h3>{t('adm.auditTitle')}</h3>
        <ErrorLine error={audit.error} testId="audit-error" />
        {audit.data && <AuditTable entries={audit.data.map((e) => ({ ...e, subjectId: e.key }))} subject={t('col.channel')}
          staffNames={refData.staffNames} testId="channel-audit" label={(c) => i18n.code(String(c))} />}
      </div>
    </div>
  );
}
