{#- Column types that mean the same on DuckDB, Postgres and BigQuery. -#}

{% macro hr_text() %}{{ return(dbt.type_string()) }}{% endmacro %}

{% macro hr_bigint() %}{{ return(dbt.type_bigint()) }}{% endmacro %}

{% macro hr_bool() %}{{ return(dbt.type_boolean()) }}{% endmacro %}

{% macro hr_double() %}
  {%- if target.type == 'bigquery' -%}{{ return('float64') }}{%- else -%}{{ return('double precision') }}{%- endif -%}
{% endmacro %}

{% macro hr_timestamp() %}
  {#- dlt loads ISO-8601 timestamps as timezone-aware columns -#}
  {%- if target.type == 'bigquery' -%}{{ return('timestamp') }}{%- else -%}{{ return('timestamp with time zone') }}{%- endif -%}
{% endmacro %}

{% macro hr_date() %}{{ return('date') }}{% endmacro %}
