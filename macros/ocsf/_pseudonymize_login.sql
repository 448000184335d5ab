{#- A login that may be an email address: an email keeps its domain and
    pseudonymizes its local part as a user name (how the vendors split user
    names off emails: split_part(login, '@', 1)); anything else is a user name. -#}
{% macro _pseudonymize_login(expression) -%}
    case
        when {{ expression }} like '%@%'
            then {{ secfeat.pseudonym("lower(split_part(" ~ expression ~ ", '@', 1))") }} || '@'
            || lower(substr({{ expression }}, strpos({{ expression }}, '@') + 1))
        else {{ secfeat.pseudonym('lower(' ~ expression ~ ')') }}
    end
{%- endmacro %}
