{#-
  The unified marts are a union of the vendors' conformed models, over the vendor list.

  A vendor's staging folder (models/staging/<vendor>/) has one conformed view `<vendor>__<model>`
  per unified model it feeds; var('hr_conformed_models') lists them per vendor, var('hr_vendors')
  picks the vendors to build (default: all of them). Nothing here names a vendor.
-#}

{% macro hr_vendors() %}
  {#- the vendors to build: var('hr_vendors'), else every vendor with conformed models -#}
  {{ return(var('hr_vendors', var('hr_conformed_models', {}).keys() | list)) }}
{% endmacro %}

{% macro hr_vendors_providing(model_name) %}
  {#- the vendors to build that have a conformed model for `model_name`, in hr_vendors() order -#}
  {%- set conformed = var('hr_conformed_models', {}) -%}
  {%- set found = [] -%}
  {%- for vendor in hr_vendors() -%}
    {%- if vendor not in conformed -%}
      {%- do exceptions.raise_compiler_error(
          "vendor '" ~ vendor ~ "' is in var('hr_vendors') but not in var('hr_conformed_models'): "
          ~ "list the hr_* models its folder models/staging/" ~ vendor ~ "/ has a conformed "
          ~ vendor ~ "__<model> for in dbt_project.yml") -%}
    {%- endif -%}
    {%- if model_name in conformed[vendor] -%}{%- do found.append(vendor) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(found) }}
{% endmacro %}

{% macro union_vendors(model_name) %}
  {#-
    `select ... union all select ...` over each vendor's `<vendor>__<model_name>`.

    Conformed models have the same columns in the same order with the same types; a column only
    some vendors have (e.g. custom fields) is a typed NULL in the others' rows, after the
    shared ones. At run time the columns are checked, so a vendor model that drifts fails here
    instead of loading NULLs: a column declared for the mart (its .yml) that one vendor has and
    another lacks, a column with two types, shared columns in another order, or an enabled
    conformed model var('hr_conformed_models') does not list.
  -#}
  {%- set vendors = hr_vendors_providing(model_name) -%}
  {%- set relations = [] -%}
  {%- for vendor in vendors -%}{%- do relations.append(ref(vendor ~ '__' ~ model_name)) -%}{%- endfor -%}
  {%- if not execute or not relations -%}
    {#- while dbt parses, only the ref() calls above matter; with no vendor the mart is disabled -#}
    {{ return('') }}
  {%- endif -%}

  {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
    {%- for vendor in hr_vendors() if node.name == vendor ~ '__' ~ model_name and vendor not in vendors -%}
      {%- do exceptions.raise_compiler_error(
          "model " ~ node.name ~ " (" ~ node.original_file_path ~ ") is not in var('hr_conformed_models')['"
          ~ vendor ~ "']: add " ~ model_name ~ " there, or its rows are not in " ~ model_name) -%}
    {%- endfor -%}
  {%- endfor -%}

  {#- the column names of each vendor model, in order; the type and first model of each name -#}
  {%- set declared = [] -%}
  {%- for name in model.columns.keys() -%}{%- do declared.append(name | lower) -%}{%- endfor -%}
  {%- set columns_of = [] -%}
  {%- set types = {} -%}
  {%- set owner = {} -%}
  {%- for relation in relations -%}
    {%- set columns = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
      {%- set name = column.name | lower -%}
      {%- do columns.append(name) -%}
      {%- if name in types and types[name] | lower != column.data_type | lower -%}
        {%- do exceptions.raise_compiler_error(
            model_name ~ ": column " ~ name ~ " is " ~ types[name] ~ " in " ~ owner[name] ~ " but "
            ~ column.data_type ~ " in " ~ relation.identifier ~ ": conformed models must agree on types") -%}
      {%- endif -%}
      {%- if name not in types -%}
        {%- do types.update({name: column.data_type}) -%}
        {%- do owner.update({name: relation.identifier}) -%}
      {%- endif -%}
    {%- endfor -%}
    {%- do columns_of.append(columns) -%}
  {%- endfor -%}

  {#- shared: in every vendor model; the rest (vendor extras) follow, in order of first appearance -#}
  {%- set shared = [] -%}
  {%- set extra = [] -%}
  {%- for columns in columns_of -%}
    {%- for name in columns if name not in shared and name not in extra -%}
      {%- set everywhere = [] -%}
      {%- for others in columns_of if name in others -%}{%- do everywhere.append(1) -%}{%- endfor -%}
      {%- if everywhere | length == columns_of | length -%}{%- do shared.append(name) -%}
      {%- elif name in declared -%}
        {%- set lacking = [] -%}
        {%- for others in columns_of -%}
          {%- if name not in others -%}{%- do lacking.append(relations[loop.index0].identifier) -%}{%- endif -%}
        {%- endfor -%}
        {%- do exceptions.raise_compiler_error(
            model_name ~ ": " ~ ', '.join(lacking) ~ " lack(s) column " ~ name ~ " that " ~ owner[name]
            ~ " has; every conformed model carries each column declared for " ~ model_name) -%}
      {%- else -%}{%- do extra.append(name) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- for columns in columns_of -%}
    {%- set order = [] -%}
    {%- for name in columns if name in shared -%}{%- do order.append(name) -%}{%- endfor -%}
    {%- if order != shared -%}
      {%- do exceptions.raise_compiler_error(
          model_name ~ ": " ~ relations[loop.index0].identifier ~ " has the shared columns in another order than "
          ~ relations[0].identifier ~ " (" ~ ', '.join(order) ~ " vs " ~ ', '.join(shared) ~ ")") -%}
    {%- endif -%}
  {%- endfor -%}

  {%- for relation in relations -%}
    {%- set present = columns_of[loop.index0] %}
    select
    {%- for name in shared + extra %}
        {% if name in present -%} {{ adapter.quote(name) }}
        {%- else -%} cast(null as {{ types[name] }}) as {{ adapter.quote(name) }}
        {%- endif %}{% if not loop.last %},{% endif %}
    {%- endfor %}
    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
  {%- endfor -%}
{% endmacro %}
