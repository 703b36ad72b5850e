
  
  create view "w"."hr_unified_staging"."bytehr__hr_custom_fields__dbt_tmp" as (
    
select
    'bytehr:' || cast(field_key as TEXT) as custom_field_key,
    cast('bytehr' as TEXT) as provider,
    cast(null as TEXT) as tenant,
    field_key,
    label,
    field_type,
    entity,
    coalesce(archived, false) as archived,
    created_at,
    column_name as source_column,
    table_name as source_table,
    
    case
        
        when lower(column_name) = 'custom_fields__tshirt_size' then 'custom_fields__tshirt_size'
        
        when lower(column_name) = 'custom_fields__badge_number' then 'custom_fields__badge_number'
        
        when lower(column_name) = 'custom_fields__remote_eligible' then 'custom_fields__remote_eligible'
        
        when lower(column_name) = 'custom_fields__shoe_size' then 'custom_fields__shoe_size'
        
        when lower(column_name) = 'custom_fields__groesse' then 'custom_fields__groesse'
        
        when lower(column_name) = 'custom_fields__team_name' then 'custom_fields__team_name'
        
        when lower(column_name) = 'custom_fields__cf_850d589d' then 'custom_fields__cf_850d589d'
        
        when lower(column_name) = 'custom_fields__visa_expiry' then 'custom_fields__visa_expiry'
        
        when lower(column_name) = 'custom_fields__certifications' then 'custom_fields__certifications'
        
        
        else cast(null as TEXT)
    end
     as hr_employees_column
from "w"."hr_unified_staging"."stg_bytehr__custom_field_definitions"
  );
