{#- A personal identifier of the given kind (an OCSF contract column's
    `pseudonymize`) as its pseudonym, normalized first the way the features
    compare it, so that one person or address has one pseudonym in every
    source and table:
      user_name  lower-cased (user_key is lower(user_name));
      email      the local part as a user_name, the domain kept: a@corp.example
                 becomes <pseudonym of a>@corp.example;
      full_name  trimmed, lower-cased;
      ip         normalize_ip (IPv4-mapped IPv6 as IPv4);
      uid        an email as email; an AWS ARN's user or role session name as
                 a user name (or email); any other uid (SIDs, IdP object ids)
                 is an opaque vendor id and kept;
      path       a user profile folder (\Users\<name>\, /home/<name>/) as a
                 user name, so a path is one process wherever it ran.
    Null stays null. -#}
{% macro pseudonymize_identifier(expression, kind) -%}
    {%- if kind == 'user_name' -%}
        {{ secfeat.pseudonym('lower(' ~ expression ~ ')') }}
    {%- elif kind == 'email' -%}
        {{ secfeat._pseudonymize_login(expression) }}
    {%- elif kind == 'full_name' -%}
        {{ secfeat.pseudonym('lower(trim(' ~ expression ~ '))') }}
    {%- elif kind == 'ip' -%}
        {{ secfeat.pseudonym(secfeat.normalize_ip(expression)) }}
    {%- elif kind == 'uid' -%}
        {%- set arn_user = "'^(arn:[^:]*:(iam|sts)::[^:]*:(user|federated-user|assumed-role/[^/]+)/(.*/)?)([^/]+)$'" -%}
        case
            when regexp_full_match({{ expression }}, {{ arn_user }})
                then regexp_extract({{ expression }}, {{ arn_user }}, 1)
                || {{ secfeat._pseudonymize_login('regexp_extract(' ~ expression ~ ', ' ~ arn_user ~ ', 5)') }}
            when {{ expression }} like '%@%' then {{ secfeat._pseudonymize_login(expression) }}
            else {{ expression }}
        end
    {%- elif kind == 'path' -%}
        {%- set profile_path = "'^(.*?[\\\\/](?i:users|home)[\\\\/])([^\\\\/]+)(.*)$'" -%}
        case
            when regexp_full_match({{ expression }}, {{ profile_path }})
                then regexp_extract({{ expression }}, {{ profile_path }}, 1)
                || {{ secfeat.pseudonym('lower(regexp_extract(' ~ expression ~ ', ' ~ profile_path ~ ', 2))') }}
                || regexp_extract({{ expression }}, {{ profile_path }}, 3)
            else {{ expression }}
        end
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "pseudonymize_identifier: unknown kind '" ~ kind ~ "' (user_name, email, full_name, ip, uid, path)") }}
    {%- endif -%}
{%- endmacro %}
