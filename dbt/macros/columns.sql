{#-
  dlt creates a column only once a value arrives: a field that was null in every record loaded so
  far (e.g. an `end_date` while nobody has left) has no column yet. Staging models therefore
  select every vendor field through hr_field(), which casts the column to its staged type when it
  exists and a typed NULL when it does not.
-#}

{% macro hr_columns(relation, prefix='') %}
  {#- lower-cased column names of a relation (those starting with `prefix`); [] while dbt parses
      (no database access then) -#}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {%- set names = [] -%}
  {%- for column in adapter.get_columns_in_relation(relation) if (column.name | lower).startswith(prefix) -%}
    {%- do names.append(column.name | lower) -%}
  {%- endfor -%}
  {{ return(names) }}
{% endmacro %}

{% macro hr_field(columns, name, type, alias=none) -%}
  {%- if name | lower in columns -%}
    cast({{ adapter.quote(name) }} as {{ type }})
  {%- else -%}
    cast(null as {{ type }})
  {%- endif %} as {{ adapter.quote(alias or name) }}
{%- endmacro %}

{% macro hr_live(columns) -%}
  {#- a snapshot source flags records missing from a complete walk with `_deleted_at` -#}
  {%- if '_deleted_at' in columns -%} _deleted_at is null {%- else -%} 1 = 1 {%- endif -%}
{%- endmacro %}

{% macro hr_key(provider, expression) -%}
  {#- a stable key across vendors, tenants and loads: '<provider>:<vendor id>', or
      '<provider>:<tenant>:<vendor id>' when the datasets belong to a tenant -#}
  {%- set prefix = provider ~ ':' ~ (var('tenant', '') ~ ':' if var('tenant', '') else '') -%}
  {{ dbt.concat(["'" ~ prefix ~ "'", "cast(" ~ expression ~ " as " ~ hr_text() ~ ")"]) }}
{%- endmacro %}
