{#-
    The OCSF contract: the one place that says which OCSF classes the warehouse
    exposes, which columns each has (type and OCSF attribute path), and which
    sources feed them. Staging models map their fields onto these columns
    (map_to_ocsf), the OCSF class models enforce them as dbt contracts, and the
    models' YAML, the docs and the Python tests are generated from or read it.

    Add a vendor: one line under `sources`, then its staging model.
    Add a column: one line under `columns`, then name it in its class.
    Columns are flattened OCSF attribute paths (src_endpoint.ip -> src_endpoint_ip).
-#}
{% macro ocsf_contract() -%}
{%- set contract_yaml -%}
ocsf_version: 1.8.0

# Every staging row, staged or not: where it came from and what became of it.
lineage:
  source_name: {type: varchar}
  _source_file: {type: varchar}
  _source_file_version: {type: varchar}
  _source_line: {type: bigint}
  _source_record: {type: bigint}
  _ingested_at: {type: timestamp}
  _loaded_at: {type: timestamp}
  _quarantine_reason: {type: varchar}
  _ignored_reason: {type: varchar}
  _source_shape: {type: varchar}
  raw_line: {type: varchar}
  _vendor_record: {type: json}

# Every column of every class, once. `captions`: the OCSF enum (0 Unknown and
# 99 Other are added to every enum but class and category); `caption` names
# the column the class models derive from it. `required` and
# `accepted_values` become the class models' data tests. `pseudonymize`: what
# kind of personal identifier the column holds, which map_to_ocsf replaces by
# a keyed hash when var pseudonymize_identifiers is on (pseudonymize_identifier:
# user_name, email, full_name, ip, uid, path; text: free text, scrubbed of the
# record's own identifiers).
columns:
  event_uid: {type: varchar}
  class_uid: {type: integer, ocsf: class_uid}
  category_uid: {type: integer, ocsf: category_uid, required: true}
  activity_id: {type: integer, ocsf: activity_id, required: true}
  type_uid: {type: integer, ocsf: type_uid, required: true}
  severity_id:
    type: integer
    ocsf: severity_id
    required: true
    caption: severity
    captions: {1: Informational, 2: Low, 3: Medium, 4: High, 5: Critical, 6: Fatal}
  status_id:
    type: integer
    ocsf: status_id
    required: true
    accepted_values: [0, 1, 2, 99]
    caption: status
    captions: {1: Success, 2: Failure}
  status_code: {type: varchar, ocsf: status_code}
  status_detail: {type: varchar, ocsf: status_detail, pseudonymize: text}
  message: {type: varchar, ocsf: message, pseudonymize: text}
  event_at: {type: timestamp}
  metadata_uid: {type: varchar, ocsf: metadata.uid}
  metadata_event_code: {type: varchar, ocsf: metadata.event_code}
  metadata_product_name: {type: varchar, ocsf: metadata.product.name, required: true}
  metadata_product_vendor_name: {type: varchar, ocsf: metadata.product.vendor_name}
  metadata_version: {type: varchar, ocsf: metadata.version}
  user_name: {type: varchar, ocsf: user.name, pseudonymize: user_name}
  user_uid: {type: varchar, ocsf: user.uid, pseudonymize: uid}
  user_domain: {type: varchar, ocsf: user.domain}
  user_email_addr: {type: varchar, ocsf: user.email_addr, pseudonymize: email}
  user_full_name: {type: varchar, ocsf: user.full_name, pseudonymize: full_name}
  user_type_id:
    type: integer
    ocsf: user.type_id
    caption: user_type
    captions: {1: User, 2: Admin, 3: System, 4: Service}
  actor_user_name: {type: varchar, ocsf: actor.user.name, pseudonymize: user_name}
  actor_user_uid: {type: varchar, ocsf: actor.user.uid, pseudonymize: uid}
  actor_user_domain: {type: varchar, ocsf: actor.user.domain}
  actor_user_type: {type: varchar, ocsf: actor.user.type}
  actor_user_account_uid: {type: varchar, ocsf: actor.user.account.uid}
  actor_user_credential_uid: {type: varchar, ocsf: actor.user.credential_uid}
  actor_session_is_mfa: {type: boolean, ocsf: actor.session.is_mfa}
  actor_session_uid_alt: {type: varchar, ocsf: actor.session.uid_alt}
  src_endpoint_ip: {type: varchar, ocsf: src_endpoint.ip, pseudonymize: ip}
  src_endpoint_port: {type: integer, ocsf: src_endpoint.port}
  src_endpoint_hostname: {type: varchar, ocsf: src_endpoint.hostname}
  src_endpoint_domain: {type: varchar, ocsf: src_endpoint.domain}
  src_endpoint_location_country: {type: varchar, ocsf: src_endpoint.location.country}
  src_endpoint_location_city: {type: varchar, ocsf: src_endpoint.location.city}
  src_endpoint_location_lat: {type: double, ocsf: src_endpoint.location.lat}
  src_endpoint_location_long: {type: double, ocsf: src_endpoint.location.long}
  dst_endpoint_hostname: {type: varchar, ocsf: dst_endpoint.hostname}
  dst_endpoint_svc_name: {type: varchar, ocsf: dst_endpoint.svc_name}
  service_name: {type: varchar, ocsf: service.name}
  logon_type_id:
    type: integer
    ocsf: logon_type_id
    caption: logon_type
    captions: {1: System, 2: Interactive, 3: Network, 4: Batch, 5: OS Service, 7: Unlock, 8: Network Cleartext,
               9: New Credentials, 10: Remote Interactive, 11: Cached Interactive, 12: Cached Remote Interactive,
               13: Cached Unlock}
  auth_protocol_id:
    type: integer
    ocsf: auth_protocol_id
    captions: {1: NTLM, 2: Kerberos, 3: Digest, 4: OpenID, 5: SAML, 6: OAUTH 2.0, 7: PAP, 8: CHAP, 9: EAP,
               10: RADIUS, 11: Basic Authentication, 12: LDAP}
  # the caption of auth_protocol_id; the vendor's own name only for Unknown and Other
  auth_protocol: {type: varchar, ocsf: auth_protocol, caption_of: auth_protocol_id}
  logon_process_name: {type: varchar}
  session_uid: {type: varchar, ocsf: session.uid, pseudonymize: uid}
  session_uid_alt: {type: varchar, ocsf: session.uid_alt}
  is_mfa: {type: boolean, ocsf: is_mfa}
  is_remote: {type: boolean, ocsf: is_remote}
  privileges: {type: 'varchar[]', ocsf: privileges}
  device_hostname: {type: varchar, ocsf: device.hostname}
  device_type_id:
    type: integer
    ocsf: device.type_id
    caption: device_type
    captions: {1: Server, 2: Desktop, 3: Laptop, 4: Tablet, 5: Mobile, 6: Virtual, 7: IOT, 8: Browser, 9: Firewall,
               10: Switch, 11: Hub, 12: Router, 13: IDS, 14: IPS, 15: Load Balancer}
  process_pid: {type: bigint, ocsf: process.pid}
  process_name: {type: varchar, ocsf: process.name}
  process_file_name: {type: varchar, ocsf: process.file.name}
  process_file_path: {type: varchar, ocsf: process.file.path, pseudonymize: path}
  process_file_type_id: {type: integer, ocsf: process.file.type_id}
  process_cmd_line: {type: varchar, ocsf: process.cmd_line, pseudonymize: text}
  parent_process_pid: {type: bigint, ocsf: process.parent_process.pid}
  parent_process_name: {type: varchar, ocsf: process.parent_process.name}
  parent_process_file_name: {type: varchar, ocsf: process.parent_process.file.name}
  parent_process_file_path: {type: varchar, ocsf: process.parent_process.file.path, pseudonymize: path}
  parent_process_file_type_id: {type: integer, ocsf: process.parent_process.file.type_id}
  launch_type_id:
    type: integer
    ocsf: launch_type_id
    caption: launch_type
    captions: {1: Spawn, 2: Fork, 3: Exec}
  exit_code: {type: integer, ocsf: exit_code}
  api_operation: {type: varchar, ocsf: api.operation}
  api_service_name: {type: varchar, ocsf: api.service.name}
  api_request_uid: {type: varchar, ocsf: api.request.uid}
  api_response_error: {type: varchar, ocsf: api.response.error}
  api_response_message: {type: varchar, ocsf: api.response.message, pseudonymize: text}
  http_request_user_agent: {type: varchar, ocsf: http_request.user_agent}
  cloud_provider: {type: varchar, ocsf: cloud.provider}
  cloud_region: {type: varchar, ocsf: cloud.region}
  cloud_account_uid: {type: varchar, ocsf: cloud.account.uid}

# Columns of every class (base event and metadata), in this order.
base_columns: [event_uid, class_uid, category_uid, activity_id, type_uid, severity_id, status_id, status_code,
               status_detail, message, event_at, metadata_uid, metadata_event_code, metadata_product_name,
               metadata_product_vendor_name, metadata_version]

# The classes users query (ocsf_<class>). `user_key_from`: the column whose
# lower-cased value is the user features are computed per.
classes:
  authentication:
    class_uid: 3002
    class_name: Authentication
    category: {uid: 3, name: Identity & Access Management}
    activities: {1: Logon, 2: Logoff, 3: Authentication Ticket, 4: Service Ticket Request, 5: Service Ticket Renew,
                 6: Preauth, 7: Account Switch}
    user_key_from: user_name
    description: >
      logons and logoffs, Kerberos tickets and credential checks
    columns: [user_name, user_uid, user_domain, user_email_addr, user_full_name, user_type_id, actor_user_name,
              actor_user_uid, src_endpoint_ip, src_endpoint_port, src_endpoint_hostname, src_endpoint_domain,
              src_endpoint_location_country, src_endpoint_location_city, src_endpoint_location_lat,
              src_endpoint_location_long, dst_endpoint_hostname, dst_endpoint_svc_name, service_name, logon_type_id, auth_protocol_id, auth_protocol,
              logon_process_name, session_uid, is_mfa, is_remote]
  authorize_session:
    class_uid: 3003
    class_name: Authorize Session
    category: {uid: 3, name: Identity & Access Management}
    activities: {1: Assign Privileges, 2: Assign Groups}
    user_key_from: user_name
    description: >
      privileges assigned to a new logon
    columns: [user_name, user_uid, user_domain, privileges, session_uid_alt, dst_endpoint_hostname]
  process_activity:
    class_uid: 1007
    class_name: Process Activity
    category: {uid: 1, name: System Activity}
    activities: {1: Launch, 2: Terminate, 3: Open, 4: Inject, 5: Set User ID}
    user_key_from: actor_user_name
    description: >
      process launches and exits; the user is the actor who ran the process
    columns: [actor_user_name, actor_user_uid, actor_user_domain, actor_session_uid_alt, device_hostname,
              device_type_id, process_pid, process_name, process_file_name, process_file_path,
              process_file_type_id, process_cmd_line, parent_process_pid, parent_process_name,
              parent_process_file_name, parent_process_file_path, parent_process_file_type_id, launch_type_id,
              exit_code]
  api_activity:
    class_uid: 6003
    class_name: API Activity
    category: {uid: 6, name: Application Activity}
    activities: {1: Create, 2: Read, 3: Update, 4: Delete}
    # AWS services call APIs too: no user behind every call
    user_key_from: actor_user_name
    user_key_required: false
    description: >
      cloud control-plane calls that are not authentications
    columns: [actor_user_name, actor_user_uid, actor_user_type, actor_user_account_uid, actor_user_credential_uid,
              actor_session_is_mfa, api_operation, api_service_name, api_request_uid, api_response_error,
              api_response_message, src_endpoint_ip, src_endpoint_domain, http_request_user_agent,
              cloud_provider, cloud_region, cloud_account_uid]

# Landing folders, each read by one staging model (stg_<source>__<things>)
# into the classes it names. `landing`: what the folder holds.
sources:
  windows: {model: stg_windows__security_events, classes: [authentication, authorize_session, process_activity], landing: 'Windows Security event log records, shape told per record: NXLog JSON (im_msvistalog; flat exports with TimeCreated too), Winlogbeat 7+/Elastic Agent ECS (winlog.*), Winlogbeat 6 (event_data.*), Windows Event Forwarding / wevtutil XML rendered to JSON (Event.System, Event.EventData.Data); one per line, or a pretty-printed array or document per file.'}
  sshd: {model: stg_sshd__auth_log, classes: [authentication], landing: 'OpenSSH server logs, shape told per record: syslog lines in RFC 3164 (auth.log, secure: no year or zone), rsyslog''s RFC 3339-dated file format or RFC 5424; or journald entries as `journalctl -o json` (one per line) or `-o json-pretty` (over several lines). Files may mix shapes and programs; only sshd and sshd-session lines are read.'}
  cloudtrail: {model: stg_cloudtrail__events, classes: [authentication, api_activity], landing: 'AWS CloudTrail records, shape told per record: as CloudTrail writes them, in EventBridge envelopes (detail-type ... via CloudTrail), or CloudTrail Lake rows exported as JSON; one JSON object per line, a pretty-printed object per file, or {"Records": [...]} batches as delivered to S3.'}
  okta: {model: stg_okta__system_log, classes: [authentication], landing: 'Okta System Log LogEvents, told apart record by record: as the System Log API returns them (one per line or API pages, JSON arrays), in Okta log streaming''s Amazon EventBridge envelope ({"detail-type": "SystemLog", "detail": {...}}), or as Panther stores them (p_* columns, lower-cased top-level keys, zone-less UTC published).'}
  entra: {model: stg_entra__signin_logs, classes: [authentication], landing: 'Entra ID sign-ins, told apart record by record: Azure Monitor diagnostic-settings exports (the Graph signIn inside `properties`; one per line or {"records": [...]} batches) and Microsoft Graph signIn objects (GET /auditLogs/signIns; one per line or response pages {"value": [...]}).'}
  google_workspace: {model: stg_google_workspace__login_activities, classes: [authentication], landing: 'Google Workspace login audit activities (Admin SDK Reports API, applicationName login), told apart record by record: as the API returns them (events an array; one per line or API pages {"items": [...]}) or one event per record as Elastic''s input splits them (events an object).'}
  ocsf: {model: stg_ocsf__events, classes: [authentication, authorize_session, process_activity, api_activity], landing: 'OCSF records of the classes above from any OCSF emitter (Amazon Security Lake and others): JSON lines, pretty-printed documents or arrays, or Parquet files, at any depth (Security Lake partitions by region, account and event day). Older names are read too (OCSF 1.0.0-rc.2 API Activity 3005, mfa).'}
{%- endset -%}
{{ return(fromyaml(contract_yaml)) }}
{%- endmacro %}
