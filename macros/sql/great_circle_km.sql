{#- The great-circle distance in km between two points given in degrees
    (haversine, Earth radius 6371 km); null when either point is (a case, as
    least() would skip a null). -#}
{% macro great_circle_km(lat_from, long_from, lat_to, long_to) -%}
    case when {{ lat_from }} is not null and {{ long_from }} is not null
        and {{ lat_to }} is not null and {{ long_to }} is not null then
    2 * 6371 * asin(least(1, sqrt(
        power(sin(radians({{ lat_to }} - {{ lat_from }}) / 2), 2)
        + cos(radians({{ lat_from }})) * cos(radians({{ lat_to }}))
        * power(sin(radians({{ long_to }} - {{ long_from }}) / 2), 2)
    )))
    end
{%- endmacro %}
