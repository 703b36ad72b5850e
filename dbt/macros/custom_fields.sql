{#-
  ByteHR custom fields, carried into the unified model without editing SQL.

  The ByteHR source lands every custom field of an employee as a column `custom_fields__<key>` of
  `employees` (keys normalised to snake_case), a field whose type changed as an extra variant column
  (`custom_fields__<key>__v_text`), and a multi-select field as a child table
  `employees__custom_fields__<key>` (`value`, `_dlt_parent_id`). `custom_field_definitions` names,
  for each key, the column (`column_name`) and the table (`table_name`) it landed in.

  bytehr_custom_fields() reads both at run time: every `custom_fields__*` column of the loaded
  employees table, plus every multi-select child table named by the definitions, aggregated into
  one comma-separated text column named after the definition's `column_name`. A field added by a
  ByteHR admin shows up after the next load and the next `dbt build`.
-#}

{% macro bytehr_custom_fields() %}
  {#- [{'name': column in hr_employees, 'type': SQL type, 'child': child relation or none}] -#}
  {%- if not execute or 'bytehr' not in var('hr_vendors') -%}{{ return([]) }}{%- endif -%}
  {%- set employees = source('bytehr', 'employees') -%}
  {%- set fields = [] -%}
  {%- set names = [] -%}
  {%- for column in adapter.get_columns_in_relation(employees) -%}
    {%- if (column.name | lower).startswith('custom_fields__') -%}
      {%- do fields.append({'name': column.name | lower, 'type': column.data_type, 'child': none}) -%}
      {%- do names.append(column.name | lower) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set definitions = source('bytehr', 'custom_field_definitions') -%}
  {%- set definition_columns = hr_columns(definitions) -%}
  {%- if 'table_name' in definition_columns and 'column_name' in definition_columns -%}
    {%- set query -%}
      select distinct column_name, table_name from {{ definitions }}
      where table_name is not null and table_name <> 'employees' and column_name is not null
      order by 1, 2
    {%- endset -%}
    {%- for row in run_query(query) -%}
      {%- set child = adapter.get_relation(database=employees.database, schema=employees.schema,
                                           identifier=row['table_name']) -%}
      {%- if child is not none -%}
        {%- set name = row['column_name'] | lower -%}
        {%- if name in names -%}{%- set name = name ~ '__list' -%}{%- endif -%}
        {%- if name not in names -%}
          {%- do fields.append({'name': name, 'type': hr_text(), 'child': child}) -%}
          {%- do names.append(name) -%}
        {%- endif -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(fields) }}
{% endmacro %}

{% macro bytehr_custom_field_select(fields, alias) -%}
  {#- select list of the custom-field columns in stg_bytehr__employees -#}
  {%- for field in fields %}
    ,
    {%- if field.child is none %} {{ alias }}.{{ adapter.quote(field.name) }}
    {%- else %} (
        select string_agg(cast(item.value as {{ hr_text() }}), ', ' order by item._dlt_list_idx)
        from {{ field.child }} as item
        where item._dlt_parent_id = {{ alias }}._dlt_id
      )
    {%- endif %} as {{ adapter.quote(field.name) }}
  {%- endfor %}
{%- endmacro %}

{% macro bytehr_custom_field_columns(fields, provider) -%}
  {#- the custom-field columns of hr_employees: values for ByteHR, typed NULLs for the others -#}
  {%- for field in fields %}
    , {% if provider == 'bytehr' -%} {{ adapter.quote(field.name) }}
      {%- else -%} cast(null as {{ field.type }}) {%- endif %} as {{ adapter.quote(field.name) }}
  {%- endfor %}
{%- endmacro %}
